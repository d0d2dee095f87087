package payment_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/payment"
)

func TestCompleteFillsTheEnvelopeAndValidates(t *testing.T) {
	is := is.New(t)
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	d := payment.Delivery{Provider: "standard:acme", EventID: "msg_1", EventType: "payment.succeeded", OccurredAt: at}
	e, err := payment.Complete(payment.Event{Type: payment.Succeeded, PaymentID: "pay_1", AmountMinor: 2000, Currency: "eur"}, d)
	is.NoErr(err)
	is.Equal(e, payment.Event{Provider: "standard:acme", EventID: "msg_1", ProviderType: "payment.succeeded", Type: payment.Succeeded, PaymentID: "pay_1", AmountMinor: 2000, Currency: "EUR", OccurredAt: at})

	for _, name := range []string{"", "Stripe", "standard:", "a b", "standard:acme:x"} {
		d.Provider = name
		_, err := payment.Complete(payment.Event{Type: payment.Other}, d)
		is.True(errors.Is(err, payment.ErrUnprocessable)) // a stored provider name is a name, or a sender's
	}
}

func TestDecodeNeverQuotesThePayload(t *testing.T) {
	is := is.New(t)
	var into struct{ Amount int64 }
	err := payment.Decode([]byte(`{"Amount":"secret-value"}`), &into)
	is.True(errors.Is(err, payment.ErrUnprocessable))
	is.True(err != nil && !strings.Contains(err.Error(), "secret-value"))
}

func TestMinorUnits(t *testing.T) {
	cases := []struct {
		value, currency string
		want            int64
	}{
		{"20.00", "USD", 2000}, {"20", "USD", 2000}, {"20.5", "usd", 2050}, {"0.01", "EUR", 1},
		{"1000", "JPY", 1000}, {"1.234", "KWD", 1234}, {"12", "BHD", 12000},
	}
	for _, tc := range cases {
		is := is.New(t)
		got, err := payment.MinorUnits(tc.value, tc.currency)
		is.NoErr(err)
		is.Equal(got, tc.want)
	}
	for _, tc := range cases {
		formatted := payment.FormatMinor(tc.want, tc.currency)
		back, err := payment.MinorUnits(formatted, tc.currency)
		is.New(t).NoErr(err)
		is.New(t).Equal(back, tc.want) // FormatMinor is MinorUnits' inverse
	}
	is.New(t).Equal(payment.FormatMinor(5, "USD"), "0.05")
	for _, bad := range []string{"", ".5", "5.", "1e3", "1,00", " 1.00", "1.000"} {
		_, err := payment.MinorUnits(bad, "USD")
		is.New(t).True(err != nil)
	}
}
