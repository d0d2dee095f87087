package forward

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/provider/standard"
)

// SecretsSetting names the signing secrets: whsec_ values, comma-separated.
const SecretsSetting = "PAYHOOK_FORWARD_SECRETS"

// maxSecrets bounds the signatures on one message: a rotation needs two,
// and Standard Webhooks verifiers (payhook's own among them) cap the
// candidates they try.
const maxSecrets = 4

// Signer signs messages with every configured secret: the first is the
// current one, the others are kept during a rotation, so that a consumer
// holding either verifies.
type Signer struct {
	secrets []string
}

// ParseSecrets reads PAYHOOK_FORWARD_SECRETS. Errors name the position of
// a bad secret, never its value.
func ParseSecrets(list string) (Signer, error) {
	var s Signer
	for i, secret := range strings.Split(list, ",") {
		secret = strings.TrimSpace(secret)
		if secret == "" {
			continue
		}
		key, err := standard.ParseKey(secret)
		if err != nil || key.HMACSecret == nil || key.Sender != standard.DefaultSender || !strings.HasPrefix(secret, "whsec_") {
			return Signer{}, fmt.Errorf("%s: secret %d is not a whsec_ secret", SecretsSetting, i+1)
		}
		if len(key.HMACSecret) < 24 {
			return Signer{}, fmt.Errorf("%s: secret %d is shorter than 24 bytes", SecretsSetting, i+1)
		}
		s.secrets = append(s.secrets, secret)
	}
	switch {
	case len(s.secrets) == 0:
		return Signer{}, fmt.Errorf("%s: no secret", SecretsSetting)
	case len(s.secrets) > maxSecrets:
		return Signer{}, fmt.Errorf("%s: at most %d secrets (the current one and those being rotated out)", SecretsSetting, maxSecrets)
	}
	return s, nil
}

// NewSecret generates a signing secret: 32 random bytes as whsec_.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// Headers are the Standard Webhooks headers of one attempt at at: the
// timestamp is the attempt's, as consumers hold it to a tolerance.
func (s Signer) Headers(m Message, at time.Time) (http.Header, error) {
	if len(s.secrets) == 0 {
		return nil, errors.New("forward: no signing secret")
	}
	signatures := make([]string, len(s.secrets))
	for i, secret := range s.secrets {
		sig, err := standard.Signature(m.Body, secret, m.ID, at)
		if err != nil {
			return nil, err
		}
		signatures[i] = sig
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "payhook")
	h.Set("webhook-id", m.ID)
	h.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	h.Set("webhook-signature", strings.Join(signatures, " "))
	return h, nil
}
