package adyen

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/payhook/payhook/shared/provider"
)

// Verifier checks an Adyen standard webhook. Adyen signs each
// NotificationRequestItem on its own, in its additionalData.hmacSignature:
// base64 HMAC-SHA256, keyed with the hex-decoded HMAC key, of
// pspReference:originalReference:merchantAccountCode:merchantReference:
// amount.value:amount.currency:eventCode:success. Every item must verify,
// with any active key, or the whole delivery is refused: an item nobody
// signed is never stored beside genuine ones. (Adyen's Python SDK checks the
// first item only.) The other fields (eventDate, reason, additionalData)
// are not signed, and no timestamp is: a replay stops at deduplication on
// the item's identity.
type Verifier struct{}

const authorizationHeader = "Authorization"

// SignatureHeaders is empty: the only header Adyen authenticates with is
// Authorization, a password that must not be kept. Nothing is lost by it:
// the signature travels in each stored item, which stays verifiable with
// the HMAC keys alone.
func (Verifier) SignatureHeaders() []string { return nil }

// Verify checks Basic authentication when it is configured, then every
// item's signature. The body is read and bounded, and every signature
// decoded, before any HMAC is computed; each key's HMAC of an item is
// computed once.
//
// A delivery with an item that has no signature is refused as
// ErrMissingSignature, whatever its other items carry: Adyen signs every
// item of a webhook that has HMAC enabled, so the likeliest cause is HMAC
// not enabled (or a key not yet generated) in the Customer Area, which is
// what that answer tells the operator; and refreshing the keys, as an
// invalid signature does, cannot help.
func (Verifier) Verify(_ context.Context, d provider.Delivery, keys provider.Keys, _ time.Time) (provider.Verified, error) {
	if err := checkAuthorization(d.Header, keys.Value(BasicAuth)); err != nil {
		return provider.Verified{}, err
	}
	items, err := readItems(d.Body)
	if err != nil {
		return provider.Verified{}, provider.ErrMalformedPayload
	}
	signatures := make([][]byte, len(items))
	for i, it := range items {
		if signatures[i] = decodeSignature(it.signature); signatures[i] == nil {
			return provider.Verified{}, provider.ErrMissingSignature
		}
	}
	hmacKeys := decodeKeys(keys.List(HMACKeys))
	for i, it := range items {
		signed := []byte(it.signed())
		expected := make([][]byte, len(hmacKeys))
		for j, key := range hmacKeys {
			expected[j] = mac(key, signed)
		}
		if !provider.MatchesAny(expected, signatures[i:i+1]) {
			return provider.Verified{}, provider.ErrInvalidSignature
		}
	}
	return provider.Verified{Provider: Name}, nil
}

// checkAuthorization requires, when credentials are configured, exactly
// the Authorization header Adyen sends with them. Both sides are hashed
// before the constant-time comparison, so that not even the length of the
// expected value shows in its time.
func checkAuthorization(h http.Header, credentials string) error {
	if credentials == "" {
		return nil
	}
	values := h.Values(authorizationHeader)
	if len(values) != 1 || values[0] == "" || len(values[0]) > provider.MaxSignatureHeaderBytes {
		return provider.ErrMissingSignature
	}
	got, want := sha256.Sum256([]byte(values[0])), sha256.Sum256([]byte(basicAuthorization(credentials)))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return provider.ErrInvalidSignature
	}
	return nil
}

// basicAuthorization is the Authorization header for user:password.
func basicAuthorization(credentials string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(credentials))
}

// decodeSignature is an item's signature as bytes, or nil when it has
// none or it is not a SHA-256 in strict base64: such a value cannot match,
// and is refused before any HMAC is computed.
func decodeSignature(s string) []byte {
	if s == "" || len(s) > base64.StdEncoding.EncodedLen(sha256.Size) {
		return nil
	}
	signature, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(signature) != sha256.Size {
		return nil
	}
	return signature
}

// decodeKeys decodes the hex keys; the settings' check refuses any other,
// so one that does not decode cannot sign anything and is left out.
func decodeKeys(hexKeys []string) [][]byte {
	keys := make([][]byte, 0, len(hexKeys))
	for _, k := range hexKeys {
		if key, err := hex.DecodeString(k); err == nil {
			keys = append(keys, key)
		}
	}
	return keys
}

func mac(key, signed []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(signed)
	return m.Sum(nil)
}

// Parse reads a delivery's items, each stored on its own: its id is its
// identity (eventID), its body the item's own JSON as it came. Adyen does
// not repeat an item within a delivery; if one ever did, it is the same
// event by that identity, kept once.
func (Verifier) Parse(d provider.Delivery) ([]provider.Envelope, error) {
	items, err := readItems(d.Body)
	if err != nil {
		return nil, provider.ErrMalformedPayload
	}
	envelopes := make([]provider.Envelope, 0, len(items))
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		if it.pspReference == "" {
			return nil, provider.ErrMalformedPayload
		}
		e, err := provider.NewEnvelope(it.eventID(), it.eventCode, provider.ParseRFC3339(it.eventDate), it.body)
		if err != nil {
			return nil, err
		}
		if !seen[e.EventID] {
			seen[e.EventID] = true
			envelopes = append(envelopes, e)
		}
	}
	return envelopes, nil
}
