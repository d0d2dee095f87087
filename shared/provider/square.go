package provider

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"time"
)

// Square verifies x-square-hmacsha256-signature: base64 HMAC-SHA256 over the
// notification URL followed by the body. The URL is the one configured for
// the subscription, never rebuilt from the request's Host header, which the
// sender controls. Square signs no timestamp, so replays are stopped by
// deduplication on the event id.
type Square struct{}

const squareSignatureHeader = "X-Square-Hmacsha256-Signature"

func (Square) Name() string { return "square" }
func (Square) Enabled(k Keys) bool {
	return len(k.SquareSignatureKeys) > 0 && k.SquareNotificationURL != ""
}
func (Square) SignatureHeaders() []string { return []string{squareSignatureHeader} }

func (s Square) Verify(_ context.Context, d Delivery, keys Keys, _ time.Time) (Verified, error) {
	header := d.Header.Get(squareSignatureHeader)
	if header == "" || len(header) > MaxSignatureHeaderBytes {
		return Verified{}, ErrMissingSignature
	}
	signature, err := base64.StdEncoding.Strict().DecodeString(header)
	if err != nil || len(signature) != sha256.Size {
		return Verified{}, ErrMissingSignature
	}
	if len(d.Body) == 0 {
		return Verified{}, ErrInvalidSignature
	}
	expected := make([][]byte, len(keys.SquareSignatureKeys))
	for i, key := range keys.SquareSignatureKeys {
		expected[i] = squareMAC(key, keys.SquareNotificationURL, d.Body)
	}
	if !matchesAny(expected, [][]byte{signature}) {
		return Verified{}, ErrInvalidSignature
	}
	return Verified{Provider: s.Name()}, nil
}

// SignSquare builds the x-square-hmacsha256-signature value, as Square does.
func SignSquare(body []byte, key, notificationURL string) string {
	return base64.StdEncoding.EncodeToString(squareMAC(key, notificationURL, body))
}

func squareMAC(key, notificationURL string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(notificationURL))
	mac.Write(body)
	return mac.Sum(nil)
}

func (Square) Parse(d Delivery) (Envelope, error) {
	var payload struct {
		EventID   string `json:"event_id"`
		Type      string `json:"type"`
		CreatedAt string `json:"created_at"`
	}
	if err := json.Unmarshal(d.Body, &payload); err != nil {
		return Envelope{}, ErrMalformedPayload
	}
	return newEnvelope(payload.EventID, payload.Type, parseRFC3339(payload.CreatedAt))
}

// parseRFC3339 reads a provider's timestamp; an absent or odd one is left
// zero rather than rejecting an otherwise genuine event.
func parseRFC3339(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
