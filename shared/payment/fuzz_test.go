package payment_test

import (
	"errors"
	"testing"
	"time"

	"github.com/payhook/payhook/shared/payment"
)

// FuzzNormalize feeds arbitrary bodies to every provider's mapping: the
// result is a valid canonical event or ErrUnprocessable, never a panic and
// never an event the validator would refuse.
func FuzzNormalize(f *testing.F) {
	for _, group := range [][]mapping{stripeMappings, paypalMappings, squareMappings, standardMappings} {
		for _, m := range group {
			f.Add(m.provider, m.eventType, []byte(m.body))
		}
	}
	f.Add("paypal", "PAYMENT.CAPTURE.COMPLETED", []byte(`{"resource":{"id":"C","amount":{"currency_code":"JPY","value":"99999999999999999999"}}}`))
	f.Add("stripe", "charge.refunded", []byte(`{"data":{"object":{"object":"charge","amount_refunded":-1,"payment_intent":"pi"}}}`))
	f.Fuzz(func(t *testing.T, provider, eventType string, body []byte) {
		e, err := payment.Normalize(payment.Delivery{Provider: provider, EventID: "evt-fuzz", EventType: eventType, Body: body, OccurredAt: time.Unix(1795780800, 0)})
		if err != nil {
			if !errors.Is(err, payment.ErrUnprocessable) {
				t.Fatalf("an error outside the contract: %v", err)
			}
			return
		}
		if verr := e.Validate(); verr != nil {
			t.Fatalf("normalize returned an invalid event: %v", verr)
		}
		var s payment.State
		next, _ := s.Apply(e)
		if next.AmountMinor < 0 || next.RefundedMinor < 0 {
			t.Fatalf("state went negative: %+v", next)
		}
	})
}

// FuzzMinorUnits: a decimal is converted exactly or refused, and what is
// converted formats back to the same number.
func FuzzMinorUnits(f *testing.F) {
	for _, seed := range []string{"20.00", "0.01", "1000", "1.234", "", ".5", "1e3", "-1", "00012.30"} {
		f.Add(seed, "USD")
	}
	f.Add("1000", "JPY")
	f.Add("1.234", "KWD")
	f.Fuzz(func(t *testing.T, value, currency string) {
		minor, err := payment.MinorUnits(value, currency)
		if err != nil {
			return
		}
		if minor < 0 {
			t.Fatalf("%q %s gave %d", value, currency, minor)
		}
		back, err := payment.MinorUnits(payment.FormatMinor(minor, currency), currency)
		if err != nil || back != minor {
			t.Fatalf("%q %s: %d formats to %q which reads back as %d (%v)", value, currency, minor, payment.FormatMinor(minor, currency), back, err)
		}
	})
}
