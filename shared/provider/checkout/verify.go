package checkout

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/payhook/payhook/shared/provider"
)

// Verifier checks a Checkout.com delivery. When Authorization values are
// configured, the Authorization header must be one of them, verbatim,
// before any HMAC is computed; then Cko-Signature must be the hex
// HMAC-SHA256 of the raw body keyed with one of the webhook's signature
// keys, the key string's UTF-8 bytes as entered in Checkout.com.
//
// Checkout.com signs no timestamp and no delivery id: a captured delivery
// verifies for ever. Replays are stopped by deduplication on the event id
// (evt_...) alone, for as long as the webhook is kept; a replay after that
// is stored as new.
type Verifier struct{}

const (
	signatureHeader     = "Cko-Signature"
	authorizationHeader = "Authorization"
)

// SignatureHeaders keeps Cko-Signature only: the Authorization header is a
// secret, and is never stored.
func (Verifier) SignatureHeaders() []string { return []string{signatureHeader} }

func (Verifier) Verify(_ context.Context, d provider.Delivery, keys provider.Keys, _ time.Time) (provider.Verified, error) {
	signature, err := parseSignature(d.Header.Get(signatureHeader))
	if err != nil {
		return provider.Verified{}, err
	}
	if authorizations := keys.List(AuthorizationKeys); len(authorizations) > 0 {
		if err := checkAuthorization(d.Header.Get(authorizationHeader), authorizations); err != nil {
			return provider.Verified{}, err
		}
	}
	signatureKeys := keys.List(SignatureKeys)
	expected := make([][]byte, len(signatureKeys))
	for i, key := range signatureKeys {
		expected[i] = mac(key, d.Body)
	}
	if !provider.MatchesAny(expected, [][]byte{signature}) {
		return provider.Verified{}, provider.ErrInvalidSignature
	}
	return provider.Verified{Provider: Name}, nil
}

// parseSignature decodes Cko-Signature: one SHA-256 in hex, exactly 64
// digits of either case. Anything else (empty, oversize, prefixed, several
// signatures) cannot be Checkout.com's and is refused before any MAC.
func parseSignature(header string) ([]byte, error) {
	if len(header) != hex.EncodedLen(sha256.Size) {
		return nil, provider.ErrMissingSignature
	}
	signature, err := hex.DecodeString(header)
	if err != nil {
		return nil, provider.ErrMissingSignature
	}
	return signature, nil
}

// checkAuthorization compares the header with every configured value as
// SHA-256 digests: a constant-time compare of the values themselves would
// return at once on a length mismatch, and tell the secret's length.
func checkAuthorization(header string, authorizations []string) error {
	if header == "" || len(header) > provider.MaxSignatureHeaderBytes {
		return provider.ErrMissingSignature
	}
	expected := make([][]byte, len(authorizations))
	for i, authorization := range authorizations {
		expected[i] = digest(authorization)
	}
	if !provider.MatchesAny(expected, [][]byte{digest(header)}) {
		return provider.ErrInvalidSignature
	}
	return nil
}

func digest(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// Signature builds the Cko-Signature value for body, as Checkout.com does.
// payhook uses it to send test deliveries; verification never calls it.
func Signature(body []byte, key string) string {
	return hex.EncodeToString(mac(key, body))
}

func mac(key string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	return mac.Sum(nil)
}

// Parse reads the one event of a delivery. Its time is created_on, or
// timestamp, which some of Checkout.com's own examples carry instead.
func (Verifier) Parse(d provider.Delivery) ([]provider.Envelope, error) {
	var payload struct {
		ID        string          `json:"id"`
		Type      string          `json:"type"`
		CreatedOn json.RawMessage `json:"created_on"`
		Timestamp json.RawMessage `json:"timestamp"`
	}
	if err := provider.DecodeEnvelope(d.Body, &payload); err != nil {
		return nil, err
	}
	return provider.One(payload.ID, payload.Type, firstTime(payload.CreatedOn, payload.Timestamp), d.Body)
}

// firstTime is the first of the values that is an RFC 3339 string (with
// .NET's seven fractional digits too); a time of another shape is left
// zero rather than refusing a genuine event.
func firstTime(values ...json.RawMessage) time.Time {
	for _, raw := range values {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			continue
		}
		if t := provider.ParseRFC3339(s); !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}
