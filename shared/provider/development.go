package provider

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// Development is how payhook sends a provider's deliveries itself: payhook
// send, samples, the demo, bench, smoke and the tests. Payloads are shaped
// like the provider's documented examples, personal data included, so
// that what payhook keeps out of logs is exercised too.
type Development interface {
	// EventTypes are the types Sample knows; the first is a payment that
	// succeeded, which bench sends.
	EventTypes() []string
	// Sample builds a payload of eventType and returns its event id. A
	// type outside EventTypes gets the provider's envelope about no payment
	// (smoke sends one).
	Sample(eventType string, o SampleOptions) (body []byte, eventID string, err error)
	// Keys returns fresh development values of the provider's settings.
	// baseURL is where payhook serve listens.
	Keys(baseURL string) (map[string]string, error)
	// Sign returns the delivery the provider would send with body, signed
	// with the first key of keys that can sign, or ErrNoSigningKey. Most
	// providers sign in headers and leave the body as it is; one that signs
	// inside the body returns the body signed.
	Sign(body []byte, keys Keys, m Message) (Delivery, error)
}

// SampleOptions shape one payload; Complete fills in what is left zero.
type SampleOptions struct {
	EventID   string
	PaymentID string
	Amount    int64  // minor units
	Currency  string // ISO 4217
	// Status overrides the status the payload's object states, instead of
	// the event type's usual one.
	Status string
	At     time.Time
}

// Complete gives zero options their defaults: 20.00 USD, now.
func (o SampleOptions) Complete() SampleOptions {
	if o.Amount == 0 {
		o.Amount = 2000
	}
	if o.Currency == "" {
		o.Currency = "USD"
	}
	o.Currency = strings.ToUpper(o.Currency)
	if o.At.IsZero() {
		o.At = time.Now().UTC()
	}
	return o
}

// Message is what a development signature covers beside the body.
type Message struct {
	// EventID becomes the id header of a provider that has one.
	EventID string
	At      time.Time
}

// RandomID is prefix followed by 2n random upper-case hex digits, the shape
// of most providers' ids.
func RandomID(prefix string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return prefix + strings.ToUpper(hex.EncodeToString(b))
}

// JSONHeader is the header every development delivery starts from.
func JSONHeader() http.Header {
	return http.Header{"Content-Type": {"application/json"}}
}

// SampleJSON encodes a sample payload, returned with its event id.
func SampleJSON(payload any, eventID string) ([]byte, string, error) {
	body, err := json.Marshal(payload)
	return body, eventID, err
}
