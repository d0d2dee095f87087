package square

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/payhook/payhook/shared/provider"
)

// Verifier checks x-square-hmacsha256-signature: base64 HMAC-SHA256 over the
// notification URL followed by the body. The URL is the one configured for
// the subscription, never rebuilt from the request's Host header, which the
// sender controls. Square signs no timestamp, so replays are stopped by
// deduplication on the event id.
type Verifier struct{}

const signatureHeader = "X-Square-Hmacsha256-Signature"

func (Verifier) SignatureHeaders() []string { return []string{signatureHeader} }

func (Verifier) Verify(_ context.Context, d provider.Delivery, keys provider.Keys, _ time.Time) (provider.Verified, error) {
	header := d.Header.Get(signatureHeader)
	if header == "" || len(header) > provider.MaxSignatureHeaderBytes {
		return provider.Verified{}, provider.ErrMissingSignature
	}
	signature, err := base64.StdEncoding.Strict().DecodeString(header)
	if err != nil || len(signature) != sha256.Size {
		return provider.Verified{}, provider.ErrMissingSignature
	}
	if len(d.Body) == 0 {
		return provider.Verified{}, provider.ErrInvalidSignature
	}
	signatureKeys, notificationURL := keys.List(SignatureKeys), keys.Value(NotificationURL)
	expected := make([][]byte, len(signatureKeys))
	for i, key := range signatureKeys {
		expected[i] = mac(key, notificationURL, d.Body)
	}
	if !provider.MatchesAny(expected, [][]byte{signature}) {
		return provider.Verified{}, provider.ErrInvalidSignature
	}
	return provider.Verified{Provider: Name}, nil
}

// Signature builds the x-square-hmacsha256-signature value, as Square does.
func Signature(body []byte, key, notificationURL string) string {
	return base64.StdEncoding.EncodeToString(mac(key, notificationURL, body))
}

func mac(key, notificationURL string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(notificationURL))
	mac.Write(body)
	return mac.Sum(nil)
}

func (Verifier) Parse(d provider.Delivery) ([]provider.Envelope, error) {
	var payload struct {
		EventID   string `json:"event_id"`
		Type      string `json:"type"`
		CreatedAt string `json:"created_at"`
	}
	if err := provider.DecodeEnvelope(d.Body, &payload); err != nil {
		return nil, err
	}
	return provider.One(payload.EventID, payload.Type, provider.ParseRFC3339(payload.CreatedAt), d.Body)
}
