package standard_test

import (
	"errors"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/providertest"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/provider/standard"
)

func TestContract(t *testing.T) {
	types := map[string]payment.Type{}
	for _, eventType := range standard.Provider.Development.EventTypes() {
		types[eventType] = payment.Type(eventType) // senders use the canonical names
	}
	providertest.Run(t, standard.Provider, providertest.Contract{Types: types})
}

type mapping struct {
	eventType, body string
	want            payment.Event
}

var mappings = []mapping{
	{"payment.succeeded", `{"type":"payment.succeeded","timestamp":"2026-11-27T10:00:00Z","data":{"payment_id":"pay_9","amount":1234,"currency":"eur"}}`, payment.Event{Type: payment.Succeeded, PaymentID: "pay_9", AmountMinor: 1234, Currency: "EUR"}},
	{"invoice.paid", `{"type":"invoice.paid","timestamp":"2026-11-27T10:00:00Z","data":{"id":"in_1"}}`, payment.Event{Type: payment.Other}},
}

func TestNormalize(t *testing.T) {
	occurred := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for _, m := range mappings {
		t.Run(m.eventType, func(t *testing.T) {
			is := is.New(t)
			got, err := registry.Normalize(payment.Delivery{Provider: standard.Name, EventID: "evt-1", EventType: m.eventType, Body: []byte(m.body), OccurredAt: occurred})
			is.NoErr(err)
			want := m.want
			want.Provider, want.EventID, want.ProviderType, want.OccurredAt = standard.Name, "evt-1", m.eventType, occurred
			is.Equal(got, want)
		})
	}
}

func TestACurrencyNotThreeLettersIsUnprocessable(t *testing.T) {
	_, err := registry.Normalize(payment.Delivery{Provider: standard.Name, EventID: "evt-1", EventType: "payment.succeeded", Body: []byte(`{"type":"payment.succeeded","data":{"payment_id":"p","amount":1,"currency":"EURO"}}`), OccurredAt: time.Now()})
	is.New(t).True(errors.Is(err, payment.ErrUnprocessable))
}

func TestStandardSendersKeepTheirOwnPayments(t *testing.T) {
	is := is.New(t)
	body := `{"type":"payment.succeeded","data":{"payment_id":"pay_1","amount":2000,"currency":"EUR"}}`
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	acme, err := registry.Normalize(payment.Delivery{Provider: "standard:acme", EventID: "msg_1", EventType: "payment.succeeded", Body: []byte(body), OccurredAt: at})
	is.NoErr(err)
	billing, err := registry.Normalize(payment.Delivery{Provider: "standard:billing", EventID: "msg_1", EventType: "payment.succeeded", Body: []byte(body), OccurredAt: at})
	is.NoErr(err)
	is.Equal(acme.Provider, "standard:acme") // a payment is keyed by provider and id
	is.Equal(billing.Provider, "standard:billing")

	for _, name := range []string{"standard:", "nosuchprovider"} {
		_, err := registry.Normalize(payment.Delivery{Provider: name, EventID: "msg_1", EventType: "payment.succeeded", Body: []byte(body), OccurredAt: at})
		is.True(errors.Is(err, payment.ErrUnprocessable))
	}
}

func FuzzNormalize(f *testing.F) {
	for _, m := range mappings {
		f.Add(m.eventType, []byte(m.body))
	}
	f.Fuzz(func(t *testing.T, eventType string, body []byte) {
		providertest.CheckFuzzedNormalize(t, standard.Provider, eventType, body)
	})
}
