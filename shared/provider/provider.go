// Package provider proves that a webhook delivery is genuine and reads its
// envelope. Each provider lives in its own file; every check works on the raw
// body bytes exactly as received, and every secret comparison is constant-time.
package provider

import (
	"context"
	"errors"
	"net/http"
	"time"
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
	StripeSigningSecrets   []string
	SquareSignatureKeys    []string
	SquareNotificationURL  string
	PayPalWebhookID        string
	StandardWebhookSecrets []string
}

// Verifier checks and reads deliveries of one provider.
type Verifier interface {
	// Name is the provider's path segment in /webhook/{provider}.
	Name() string
	// Enabled reports whether keys hold what this provider needs.
	Enabled(keys Keys) bool
	// Verify proves the delivery genuine with any active key.
	Verify(ctx context.Context, d Delivery, keys Keys, now time.Time) error
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

// Verifiers returns every provider's verifier by name. certs decides which
// PayPal certificates are trusted.
func Verifiers(tolerance time.Duration, certs CertificateSource) map[string]Verifier {
	all := map[string]Verifier{}
	for _, v := range []Verifier{Stripe{Tolerance: tolerance}, Square{}, PayPal{Certs: certs}, Standard{Tolerance: tolerance}} {
		all[v.Name()] = v
	}
	return all
}
