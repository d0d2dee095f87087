package testenv

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// SecretsManager serves one secret over Secrets Manager's GetSecretValue
// JSON protocol until the test ends, and returns its endpoint. None of the
// machine's emulators covers Secrets Manager; this stand-in still makes the
// real SDK client build, sign and parse every call. Unknown ids, and calls
// not signed with SigV4, get ResourceNotFoundException.
func SecretsManager(t testing.TB, arn, secret string) string {
	return SecretsManagerOf(t, map[string]string{arn: secret})
}

// SecretsManagerOf serves several secrets, by ARN, as SecretsManager does
// one.
func SecretsManagerOf(t testing.TB, secrets map[string]string) string {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var in struct{ SecretId string }
		_ = json.Unmarshal(body, &in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		secret, ok := secrets[in.SecretId]
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" || !ok || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256") {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ARN": in.SecretId, "Name": "payhook", "SecretString": secret, "VersionId": "v1"}) // the client's to read
	}))
	t.Cleanup(server.Close)
	return server.URL
}
