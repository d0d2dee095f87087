// Package provider is what every payment provider plugs into: the Provider
// descriptor, the Verifier that proves a delivery genuine and reads its
// events, the keys and settings, and the checks all verifiers share. Each
// provider lives in its own package below this one (stripe, paypal, ...);
// the registry package lists them. Every check works on the raw body bytes
// exactly as received, and every secret comparison is constant-time.
package provider

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/payhook/payhook/shared/payment"
)

// Provider is everything payhook knows of one provider. Receiver routes,
// configuration keys, the secret's fields, send, samples, the demo and the
// deployment's outputs all come from the registered Providers.
type Provider struct {
	// Name is the path segment in /webhook/{name}, and the name webhooks
	// and payments are stored under.
	Name string
	// Title is how people write it, for help and documentation.
	Title string
	// Summary says in one line how a delivery is proven genuine, for the
	// README.
	Summary string
	// Settings are the keys the provider reads, as environment variables
	// and as fields of the Secrets Manager secret.
	Settings []Setting
	// Redelivery is how long the provider retries a delivery it was not
	// acknowledged for. Its webhooks are kept at least that long, and a
	// day more, so that every retry is recognised as a duplicate.
	Redelivery time.Duration
	// NewVerifier builds the verifier with the receiver's settings.
	NewVerifier func(Config) Verifier
	// Normalize maps one stored webhook's body to a canonical event: type,
	// payment, amounts. The caller fills in the envelope's fields and
	// validates (registry.Normalize).
	Normalize func(payment.Delivery) (payment.Event, error)
	// Acknowledgement, when set, is the body every 2xx answer carries
	// instead of payhook's JSON: what the provider requires to see.
	Acknowledgement *Acknowledgement
	// Development signs and builds deliveries for payhook send, samples,
	// the demo, smoke and the tests.
	Development Development
	// Events, when set, reads the provider's list of recent events, which
	// reconciliation compares with what was delivered.
	Events *EventAPI
}

// Acknowledgement is a fixed answer a provider requires.
type Acknowledgement struct {
	ContentType string
	Body        []byte
}

// Delivery is one HTTP delivery as the provider sent it.
type Delivery struct {
	Header http.Header
	Body   []byte
}

// Envelope is one event of a delivery, as stored: most providers send one
// per delivery, whose Body is the whole delivery; a batch provider sends
// several, each stored on its own with its own part of the body.
type Envelope struct {
	EventID    string
	EventType  string
	OccurredAt time.Time
	Body       []byte
}

// Verified is what a successful verification establishes about a delivery.
type Verified struct {
	// Provider is the name the webhooks are stored and their payments keyed
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

// Verifier checks and reads deliveries of one provider.
type Verifier interface {
	// Verify proves the delivery genuine with any active key.
	Verify(ctx context.Context, d Delivery, keys Keys, now time.Time) (Verified, error)
	// Parse reads the events of a verified delivery: one, or a batch's.
	Parse(d Delivery) ([]Envelope, error)
	// SignatureHeaders names the headers kept with each stored webhook, so
	// that its signature can be checked again later.
	SignatureHeaders() []string
}

// Config is the receiver's settings a verifier may need.
type Config struct {
	// Tolerance is how far a signed timestamp may be from now.
	Tolerance time.Duration
	// Certificates decides which signing certificates are trusted, for a
	// provider that signs with one (PayPal).
	Certificates CertificateSource
	// TransmissionWindow bounds an unsigned-by-digest transmission's time
	// (PayPal's).
	TransmissionWindow time.Duration
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

// DefaultTolerance is how far a signed timestamp may be from now, either way.
const DefaultTolerance = 5 * time.Minute
