// Package provider proves that a webhook delivery is genuine and reads its
// envelope. Each provider lives in its own file; every check works on the raw
// body bytes exactly as received, and every secret comparison is constant-time.
package provider

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Delivery is one HTTP delivery as the provider sent it.
type Delivery struct {
	Header http.Header
	Body   []byte
}

// Envelope is what payhook needs from a payload before it is stored.
type Envelope struct {
	EventID    string
	EventType  string
	OccurredAt time.Time
}

// Verified is what a successful verification establishes about a delivery.
type Verified struct {
	// Provider is the name the webhook is stored and its payments keyed
	// under: the route's provider, or "standard:<sender>" for a named
	// Standard Webhooks sender, so that senders never share event ids or
	// payments.
	Provider string
	// Transmission, when set, names the provider's delivery attempt whose
	// signature does not bind the body by a cryptographic digest (PayPal
	// signs a CRC32). The receiver binds it to the body's SHA-256 before
	// storing, so those signature headers can never carry another body.
	Transmission string
}

// The verification outcomes; the receiver maps each to one row of the HTTP
// contract. Error texts never echo input.
var (
	ErrMissingSignature        = errors.New("missing or malformed signature headers")
	ErrInvalidSignature        = errors.New("signature does not verify")
	ErrTimestampOutOfTolerance = errors.New("timestamp outside tolerance")
	ErrMalformedPayload        = errors.New("malformed payload")
	// ErrVerifierUnavailable means the check could not be made right now
	// (PayPal's certificate could not be fetched); the provider should retry.
	ErrVerifierUnavailable = errors.New("verification temporarily unavailable")
)

// Keys are the active secrets of every provider. Lists hold every secret that
// is valid right now, so a rotation overlaps old and new.
type Keys struct {
	StripeSigningSecrets  []string
	SquareSignatureKeys   []string
	SquareNotificationURL string
	PayPalWebhookID       string
	// StandardWebhookSecrets are whsec_ secrets and whpk_ public keys, each
	// bare (the sender named "standard") or bound to a sender as
	// "<sender>=<key>".
	StandardWebhookSecrets []string
}

// Verifier checks and reads deliveries of one provider.
type Verifier interface {
	// Name is the provider's path segment in /webhook/{provider}.
	Name() string
	// Enabled reports whether keys hold what this provider needs.
	Enabled(keys Keys) bool
	// Verify proves the delivery genuine with any active key.
	Verify(ctx context.Context, d Delivery, keys Keys, now time.Time) (Verified, error)
	// Parse reads the envelope of a verified delivery.
	Parse(d Delivery) (Envelope, error)
	// SignatureHeaders names the headers kept with the stored webhook, so
	// that its signature can be checked again later.
	SignatureHeaders() []string
}

// DefaultTolerance is how far a signed timestamp may be from now, either way.
const DefaultTolerance = 5 * time.Minute

func withinTolerance(signedAt, now time.Time, tolerance time.Duration) bool {
	d := now.Sub(signedAt)
	return d <= tolerance && d >= -tolerance
}

// toleranceOrDefault is the configured tolerance, or DefaultTolerance when
// none is set.
func toleranceOrDefault(t time.Duration) time.Duration {
	if t <= 0 {
		return DefaultTolerance
	}
	return t
}

// Limits on what a delivery may carry. A signature header lists one
// candidate per active key during a rotation: a handful, never more. An
// HMAC candidate costs a comparison (each key's MAC is computed once); an
// Ed25519 candidate costs a hash of the whole body per public key, so a
// header may list at most two, which a sender rotating its key needs.
// Event ids and types become table keys and log fields: DynamoDB refuses
// keys over 2 KB, and no provider's ids come near these bounds.
const (
	MaxSignatureHeaderBytes = 2048
	MaxSignatureCandidates  = 8
	MaxEd25519Candidates    = 2
	MaxEventIDBytes         = 256
	MaxEventTypeBytes       = 128
)

// matchesAny reports whether any candidate equals any expected MAC. Every
// pair is compared in constant time, with no early exit, so the work done
// depends only on how many there are, never on which one matched. The
// caller computes each expected MAC once, whatever the number of candidates.
func matchesAny(expected, candidates [][]byte) bool {
	matched := 0
	for _, mac := range expected {
		for _, candidate := range candidates {
			matched |= subtle.ConstantTimeCompare(mac, candidate)
		}
	}
	return matched == 1
}

// newEnvelope checks the identifiers a parser read: present, valid UTF-8
// without control characters, and within bounds. They become keys of the
// table and fields of logs and terminals, so anything else is refused as
// malformed before it reaches either.
func newEnvelope(eventID, eventType string, occurredAt time.Time) (Envelope, error) {
	if !wellFormedIdentifier(eventID, MaxEventIDBytes) || !wellFormedIdentifier(eventType, MaxEventTypeBytes) {
		return Envelope{}, ErrMalformedPayload
	}
	return Envelope{EventID: eventID, EventType: eventType, OccurredAt: occurredAt}, nil
}

func wellFormedIdentifier(s string, maxBytes int) bool {
	if s == "" || len(s) > maxBytes || !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError })
}

// Verifiers returns every provider's verifier by name. certs decides which
// PayPal certificates are trusted; paypalWindow bounds PayPal's
// transmission time.
func Verifiers(tolerance time.Duration, certs CertificateSource, paypalWindow time.Duration) map[string]Verifier {
	all := map[string]Verifier{}
	for _, v := range []Verifier{Stripe{Tolerance: tolerance}, Square{}, PayPal{Certs: certs, TransmissionWindow: paypalWindow}, Standard{Tolerance: tolerance}} {
		all[v.Name()] = v
	}
	return all
}
