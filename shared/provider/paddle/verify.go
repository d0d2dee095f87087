package paddle

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/provider"
)

// Verifier checks the Paddle-Signature header: ts=<unix>;h1=<hex>[;h1=...].
// Every h1 is tried against every active secret key, so a rotation in
// progress verifies with either key, and a header carrying several h1
// (Paddle's SDKs accept that) verifies when any one of them does.
//
// The timestamp is held to the receiver's tolerance either way, as
// Stripe's is (Paddle's own Node SDK allows 5 s): a captured delivery
// replays for minutes at most. Paddle may retry with its first attempt's
// signature, so a delivery an outage held back longer than that is
// refused as stale when it comes again; reconciliation recovers it from
// Paddle's event stream (docs/decisions.md).
type Verifier struct {
	// Tolerance bounds how far the timestamp may be from now; zero means
	// provider.DefaultTolerance.
	Tolerance time.Duration
}

const signatureHeader = "Paddle-Signature"

func (Verifier) SignatureHeaders() []string { return []string{signatureHeader} }

func (v Verifier) Verify(_ context.Context, d provider.Delivery, keys provider.Keys, now time.Time) (provider.Verified, error) {
	ts, signedAt, signatures, err := parseHeader(d.Header.Get(signatureHeader))
	if err != nil {
		return provider.Verified{}, err
	}
	secrets := keys.List(SecretKeys)
	expected := make([][]byte, len(secrets))
	for i, secret := range secrets {
		expected[i] = mac(secret, ts, d.Body)
	}
	if !provider.MatchesAny(expected, signatures) {
		return provider.Verified{}, provider.ErrInvalidSignature
	}
	if !provider.WithinTolerance(time.Unix(signedAt, 0), now, v.Tolerance) {
		return provider.Verified{}, provider.ErrTimestampOutOfTolerance
	}
	return provider.Verified{Provider: Name}, nil
}

// parseHeader returns the timestamp as sent (the MAC covers its text), as
// seconds, and the decoded h1 signatures. Unknown keys are ignored, so that
// a scheme Paddle adds beside h1 changes nothing. Exactly one ts is
// required: two would leave it open which one was signed. An h1 that is
// not a SHA-256 in hex cannot match and is dropped before any MAC is
// computed; a header longer or with more h1 than a rotation needs is
// refused whole.
func parseHeader(header string) (string, int64, [][]byte, error) {
	if len(header) > provider.MaxSignatureHeaderBytes {
		return "", 0, nil, provider.ErrMissingSignature
	}
	var (
		ts         string
		signatures [][]byte
		candidates int
	)
	for part := range strings.SplitSeq(strings.TrimSpace(header), ";") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch key {
		case "ts":
			if ts != "" || !digits(value) {
				return "", 0, nil, provider.ErrMissingSignature
			}
			ts = value
		case "h1":
			if candidates++; candidates > provider.MaxSignatureCandidates {
				return "", 0, nil, provider.ErrMissingSignature
			}
			if sig, err := hex.DecodeString(value); err == nil && len(sig) == sha256.Size {
				signatures = append(signatures, sig)
			}
		}
	}
	if ts == "" || len(signatures) == 0 {
		return "", 0, nil, provider.ErrMissingSignature
	}
	signedAt, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", 0, nil, provider.ErrMissingSignature
	}
	return ts, signedAt, signatures, nil
}

// digits reports whether s is decimal digits only: no sign, no space, so
// that the text the MAC covers is the number the tolerance checks.
func digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// Signature builds a Paddle-Signature header value for body, as Paddle
// does. payhook uses it to send test deliveries; verification never calls
// it.
func Signature(body []byte, secret string, at time.Time) string {
	ts := strconv.FormatInt(at.Unix(), 10)
	return "ts=" + ts + ";h1=" + hex.EncodeToString(mac(secret, ts, body))
}

// mac is HMAC-SHA256 over "<ts>:<body>", keyed with the secret key's
// string as-is (pdl_ntfset_... included, nothing decoded).
func mac(secret, ts string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte{':'})
	mac.Write(body)
	return mac.Sum(nil)
}

// Parse reads the one event of a notification. Its event_id is the same
// for every notification destination the event goes to (each has its own
// notification_id), and Paddle's docs name it the deduplication key.
func (Verifier) Parse(d provider.Delivery) ([]provider.Envelope, error) {
	var payload struct {
		EventID    string          `json:"event_id"`
		EventType  string          `json:"event_type"`
		OccurredAt json.RawMessage `json:"occurred_at"`
	}
	if err := provider.DecodeEnvelope(d.Body, &payload); err != nil {
		return nil, err
	}
	// An absent or odd occurred_at leaves the time zero rather than
	// refusing a genuine event.
	var occurredAt string
	_ = json.Unmarshal(payload.OccurredAt, &occurredAt)
	return provider.One(payload.EventID, payload.EventType, provider.ParseRFC3339(occurredAt), d.Body)
}
