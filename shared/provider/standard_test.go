package provider_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/provider"
)

// Published vectors from the standard-webhooks Go library's tests.
const (
	standardSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	standardPublicKey = "whpk_ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248c/g="
	standardID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	standardTimestamp = "1614265330"
	standardBody      = `{"test": 2432232314}`
	standardHMACSig   = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	standardEdSig     = "v1a,tQ9V2XOqn7jL/DQenEFpqIugdBVtiMmER5mhSkXBNwM0mkATuDe6KYYUuxqtaiHeYGb7KaaBRdM5WqyeFiL8Ag=="
)

func standardDelivery(id, timestamp, signature, body string) provider.Delivery {
	h := http.Header{}
	for name, value := range map[string]string{"webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature} {
		if value != "" {
			h.Set(name, value)
		}
	}
	return provider.Delivery{Header: h, Body: []byte(body)}
}

func TestStandardVerify(t *testing.T) {
	signedAt := time.Unix(1614265330, 0)
	cases := []struct {
		name      string
		id        string
		timestamp string
		signature string
		body      string
		keys      []string
		now       time.Time
		want      error
	}{
		{"published HMAC vector", standardID, standardTimestamp, standardHMACSig, standardBody, []string{standardSecret}, signedAt, nil},
		{"published Ed25519 vector", standardID, standardTimestamp, standardEdSig, standardBody, []string{standardPublicKey}, signedAt, nil},
		{"several signatures, one good", standardID, standardTimestamp, "v1,Zm9v " + standardHMACSig + " v2,xyz", standardBody, []string{standardSecret}, signedAt, nil},
		{"mixed key types", standardID, standardTimestamp, standardEdSig, standardBody, []string{standardSecret, standardPublicKey}, signedAt, nil},
		{"299 s either way", standardID, standardTimestamp, standardHMACSig, standardBody, []string{standardSecret}, signedAt.Add(-299 * time.Second), nil},
		{"stale", standardID, standardTimestamp, standardHMACSig, standardBody, []string{standardSecret}, signedAt.Add(301 * time.Second), provider.ErrTimestampOutOfTolerance},
		{"from the future", standardID, standardTimestamp, standardHMACSig, standardBody, []string{standardSecret}, signedAt.Add(-301 * time.Second), provider.ErrTimestampOutOfTolerance},
		{"HMAC: tampered body", standardID, standardTimestamp, standardHMACSig, `{"test": 2432232315}`, []string{standardSecret}, signedAt, provider.ErrInvalidSignature},
		{"HMAC: tampered id", "msg_p5jXN8AQM9LWM0D4loKWxJeK", standardTimestamp, standardHMACSig, standardBody, []string{standardSecret}, signedAt, provider.ErrInvalidSignature},
		{"HMAC: tampered timestamp", standardID, "1614265331", standardHMACSig, standardBody, []string{standardSecret}, signedAt, provider.ErrInvalidSignature},
		{"Ed25519: tampered body", standardID, standardTimestamp, standardEdSig, `{"test": 2432232315}`, []string{standardPublicKey}, signedAt, provider.ErrInvalidSignature},
		{"Ed25519 signature, only an HMAC secret", standardID, standardTimestamp, standardEdSig, standardBody, []string{standardSecret}, signedAt, provider.ErrInvalidSignature},
		{"HMAC signature labelled v1a", standardID, standardTimestamp, "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", standardBody, []string{standardSecret, standardPublicKey}, signedAt, provider.ErrInvalidSignature},
		{"no signature header", standardID, standardTimestamp, "", standardBody, []string{standardSecret}, signedAt, provider.ErrMissingSignature},
		{"no id header", "", standardTimestamp, standardHMACSig, standardBody, []string{standardSecret}, signedAt, provider.ErrMissingSignature},
		{"timestamp not a number", standardID, "yesterday", standardHMACSig, standardBody, []string{standardSecret}, signedAt, provider.ErrMissingSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			keys := provider.Keys{StandardWebhookSecrets: tc.keys}
			err := provider.Standard{}.Verify(context.Background(), standardDelivery(tc.id, tc.timestamp, tc.signature, tc.body), keys, tc.now)
			is.Equal(err, tc.want)
		})
	}
}

func TestSignStandardMatchesPublishedVector(t *testing.T) {
	is := is.New(t)
	sig, err := provider.SignStandard([]byte(standardBody), standardSecret, standardID, time.Unix(1614265330, 0))
	is.NoErr(err)
	is.Equal(sig, standardHMACSig)
}

func TestParseStandardKey(t *testing.T) {
	is := is.New(t)
	for _, good := range []string{standardSecret, standardPublicKey} {
		_, err := provider.ParseStandardKey(good)
		is.NoErr(err)
	}
	for _, bad := range []string{"", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not base64!", "whpk_c2hvcnQ="} {
		_, err := provider.ParseStandardKey(bad)
		is.True(err != nil)
	}
}

func TestStandardParse(t *testing.T) {
	is := is.New(t)
	body := `{"type":"invoice.paid","timestamp":"2022-11-03T20:26:10.344522Z","data":{"id":"in_1"}}`
	env, err := provider.Standard{}.Parse(standardDelivery(standardID, standardTimestamp, standardHMACSig, body))
	is.NoErr(err)
	is.Equal(env, provider.Envelope{EventID: standardID, EventType: "invoice.paid", OccurredAt: time.Date(2022, 11, 3, 20, 26, 10, 344522000, time.UTC)})

	env, err = provider.Standard{}.Parse(standardDelivery(standardID, standardTimestamp, "", `{"type":"x"}`))
	is.NoErr(err)
	is.Equal(env.OccurredAt, time.Unix(1614265330, 0).UTC()) // falls back to the signed timestamp

	_, err = provider.Standard{}.Parse(standardDelivery(standardID, standardTimestamp, "", standardBody)) // no type
	is.Equal(err, provider.ErrMalformedPayload)
}
