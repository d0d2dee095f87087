// Package providertest is the contract every provider keeps, as one suite
// each provider's package runs against itself: its development deliveries
// verify, parse and map to what their event types promise; a tampered
// delivery, a missing signature and another endpoint's keys are refused;
// and the fuzz harnesses that feed a verifier and a mapping anything.
package providertest

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
)

// Contract is what a provider promises beyond the shape every provider has.
type Contract struct {
	// Keys sign and verify the contract's deliveries; fresh development
	// keys when nil.
	Keys provider.Keys
	// Config builds the verifier (a provider signing with certificates
	// needs the development ones trusted).
	Config provider.Config
	// Types is the canonical type each development event type maps to;
	// every one of them must be listed.
	Types map[string]payment.Type
	// NoAmounts: the provider's events carry no amount (GoCardless), so
	// a sample's payment event says its amount is unknown, never 0.
	NoAmounts bool
	// SignsInBody: the signature travels in the body, so a delivery
	// without the provider's headers may still verify.
	SignsInBody bool
}

// The sample every check starts from.
const (
	paymentID = "PAY-CONTRACT-1"
	amount    = 1999
	currency  = "EUR"
)

var settingName = regexp.MustCompile(`^PAYHOOK_[A-Z0-9_]+$`)

// Run holds p to the contract.
func Run(t *testing.T, p provider.Provider, c Contract) {
	t.Run("descriptor", func(t *testing.T) { checkDescriptor(t, p) })
	keys := c.Keys
	if keys == nil {
		keys = DevelopmentKeys(t, p)
	}
	types := p.Development.EventTypes()
	if len(types) < 6 {
		t.Errorf("%s has %d development event types; at least 6 show what it maps", p.Name, len(types))
	}
	for _, eventType := range types {
		t.Run(eventType, func(t *testing.T) {
			is := is.New(t)
			want, listed := c.Types[eventType]
			is.True(listed) // every development type has its canonical type in the contract
			d, id := Signed(t, p, eventType, keys)
			e := Process(t, p, c.Config, d, keys, id)
			is.Equal(e.ProviderType, eventType)
			is.Equal(e.Type, want)
			if e.Type != payment.Other {
				is.Equal(e.PaymentID, paymentID)
			}
			switch {
			case e.Type == payment.Other:
			case c.NoAmounts:
				is.True(e.AmountUnknown)
				is.Equal(e.AmountMinor, int64(0))
			default:
				is.Equal(e.AmountMinor, int64(amount))
				is.Equal(e.Currency, currency)
				is.True(!e.AmountUnknown)
			}
		})
	}
	t.Run("an event type it does not map is recorded as other", func(t *testing.T) {
		d, id := SignedSample(t, p, "payhook.contract-unknown", keys)
		is.New(t).Equal(Process(t, p, c.Config, d, keys, id).Type, payment.Other)
	})
	t.Run("attacks", func(t *testing.T) { checkAttacks(t, p, c, keys, types[0]) })
}

func checkDescriptor(t *testing.T, p provider.Provider) {
	is := is.New(t)
	is.True(regexp.MustCompile(`^[a-z][a-z0-9]{1,31}$`).MatchString(p.Name)) // a path segment and a key prefix
	is.True(p.Title != "" && p.Summary != "")                                // the README says how a delivery is proven genuine
	is.True(p.Redelivery > 0)
	is.True(p.NewVerifier != nil && p.Normalize != nil && p.Development != nil)
	prefix := "PAYHOOK_" + strings.ToUpper(p.Name) + "_"
	required := 0
	for _, s := range p.Settings {
		is.True(settingName.MatchString(s.Name) && strings.HasPrefix(s.Name, prefix)) // settings are named after their provider
		is.True(s.Help != "")
		if !s.Optional && !s.Development {
			required++
		}
	}
	is.True(required > 0) // a provider is served once its keys are set
	is.True(!p.Configured(provider.Keys{}))
}

// DevelopmentKeys are fresh development keys of p, which must configure it.
func DevelopmentKeys(t testing.TB, p provider.Provider) provider.Keys {
	t.Helper()
	raw, err := p.Development.Keys("https://payhook.example.com")
	if err != nil {
		t.Fatal(err)
	}
	keys := provider.Keys{}
	for _, s := range p.Settings {
		if values := s.Values(raw[s.Name]); len(values) > 0 {
			keys[s.Name] = values
		}
	}
	if !p.Configured(keys) {
		t.Fatalf("%s's development keys do not configure it", p.Name)
	}
	if err := p.CheckKeys(keys); err != nil {
		t.Fatalf("%s's development keys are refused: %v", p.Name, err)
	}
	return keys
}

// Signed is a development delivery of eventType about the contract's
// payment, signed with keys, and its event id.
func Signed(t testing.TB, p provider.Provider, eventType string, keys provider.Keys) (provider.Delivery, string) {
	t.Helper()
	body, id, err := p.Development.Sample(eventType, provider.SampleOptions{PaymentID: paymentID, Amount: amount, Currency: strings.ToLower(currency)})
	if err != nil {
		t.Fatal(err)
	}
	return sign(t, p, body, id, keys), id
}

// SignedSample is a development delivery of any event type, even one the
// provider does not list.
func SignedSample(t testing.TB, p provider.Provider, eventType string, keys provider.Keys) (provider.Delivery, string) {
	t.Helper()
	body, id, err := p.Development.Sample(eventType, provider.SampleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return sign(t, p, body, id, keys), id
}

func sign(t testing.TB, p provider.Provider, body []byte, id string, keys provider.Keys) provider.Delivery {
	t.Helper()
	d, err := p.Development.Sign(body, keys, provider.Message{EventID: id, At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Process verifies, parses and maps a delivery carrying one event, id, as
// the receiver and the processor do, and returns the canonical event.
func Process(t testing.TB, p provider.Provider, c provider.Config, d provider.Delivery, keys provider.Keys, id string) payment.Event {
	t.Helper()
	v := p.NewVerifier(c)
	verified, err := v.Verify(context.Background(), d, keys, time.Now())
	if err != nil {
		t.Fatalf("a development delivery does not verify: %v", err)
	}
	envelopes, err := v.Parse(d)
	if err != nil || len(envelopes) != 1 {
		t.Fatalf("a development delivery parses to %d events (%v), want 1", len(envelopes), err)
	}
	env := envelopes[0]
	if env.EventID != id {
		t.Fatalf("the parsed event id %q is not the sample's %q", env.EventID, id)
	}
	delivery := payment.Delivery{Provider: verified.Provider, EventID: env.EventID, EventType: env.EventType, Body: env.Body, OccurredAt: env.OccurredAt}
	e, err := p.Normalize(delivery)
	if err != nil {
		t.Fatalf("the mapping refused a development delivery: %v", err)
	}
	e, err = payment.Complete(e, delivery)
	if err != nil {
		t.Fatalf("the mapping made an invalid event: %v", err)
	}
	return e
}

func checkAttacks(t *testing.T, p provider.Provider, c Contract, keys provider.Keys, eventType string) {
	v := p.NewVerifier(c.Config)
	d, _ := Signed(t, p, eventType, keys)
	verify := func(d provider.Delivery, keys provider.Keys) error {
		_, err := v.Verify(context.Background(), d, keys, time.Now())
		return err
	}
	t.Run("a body changed in transit", func(t *testing.T) {
		forged := d
		forged.Body = []byte(strings.ReplaceAll(string(d.Body), paymentID, "PAY-FORGED-9"))
		is.New(t).True(errors.Is(verify(forged, keys), provider.ErrInvalidSignature))
	})
	t.Run("another endpoint's keys", func(t *testing.T) {
		is.New(t).True(errors.Is(verify(d, DevelopmentKeys(t, p)), provider.ErrInvalidSignature))
	})
	t.Run("no signature headers", func(t *testing.T) {
		stripped := provider.Delivery{Header: http.Header{"Content-Type": {"application/json"}}, Body: d.Body}
		err := verify(stripped, keys)
		if c.SignsInBody && err == nil {
			return
		}
		is.New(t).True(errors.Is(err, provider.ErrMissingSignature))
	})
}

// VerificationErrors are the errors Verify may return.
var VerificationErrors = []error{provider.ErrMissingSignature, provider.ErrInvalidSignature, provider.ErrTimestampOutOfTolerance, provider.ErrMalformedPayload, provider.ErrVerifierUnavailable}

// CheckFuzzedVerify fails t unless err is one of the contract's errors: a
// fuzzed delivery nobody signed never verifies.
func CheckFuzzedVerify(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("an unsigned fuzzed delivery verified")
	}
	for _, known := range VerificationErrors {
		if errors.Is(err, known) {
			return
		}
	}
	t.Fatalf("verification returned an error outside the contract: %v", err)
}

// CheckFuzzedParse fails t unless a parse of fuzzed bytes is refused as
// malformed, or gives events with ids and types within bounds.
func CheckFuzzedParse(t *testing.T, envelopes []provider.Envelope, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, provider.ErrMalformedPayload) {
			t.Fatalf("parse returned an error outside the contract: %v", err)
		}
		return
	}
	for _, env := range envelopes {
		if !provider.WellFormedIdentifier(env.EventID, provider.MaxEventIDBytes) || !provider.WellFormedIdentifier(env.EventType, provider.MaxEventTypeBytes) {
			t.Fatalf("parse accepted an event without id or type, or out of bounds: %+v", env)
		}
	}
}

// CheckFuzzedNormalize maps fuzzed bytes: the result is a valid canonical
// event or ErrUnprocessable, never a panic, never a state gone negative.
func CheckFuzzedNormalize(t *testing.T, p provider.Provider, eventType string, body []byte) {
	t.Helper()
	d := payment.Delivery{Provider: p.Name, EventID: "evt-fuzz", EventType: eventType, Body: body, OccurredAt: time.Unix(1795780800, 0)}
	e, err := p.Normalize(d)
	if err == nil {
		e, err = payment.Complete(e, d)
	}
	if err != nil {
		if !errors.Is(err, payment.ErrUnprocessable) {
			t.Fatalf("an error outside the contract: %v", err)
		}
		return
	}
	next, _ := payment.State{}.Apply(e)
	if next.AmountMinor < 0 || next.RefundedMinor < 0 {
		t.Fatalf("state went negative: %+v", next)
	}
}
