package gocardless_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/gocardless"
)

// amounter is GoCardless's API client, pointed at an API that answers
// GET /payments/{id} and GET /refunds/{id} with answers.
func amounter(t *testing.T, answers map[string]string) provider.Amounter {
	t.Helper()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		answer, ok := answers[r.URL.Path]
		if !ok {
			http.Error(w, `{"error":{"code":404,"type":"invalid_api_usage"}}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(answer))
	}))
	t.Cleanup(api.Close)
	keys := provider.Keys{gocardless.AccessToken: {"sandbox_token"}, gocardless.APIURL: {api.URL}}
	source, ok := gocardless.Provider.Events.New(keys, provider.APIConfig{HTTP: api.Client()}).(provider.Amounter)
	if !ok {
		t.Fatal("GoCardless's event source reads no amounts")
	}
	return source
}

// unknownAmount is an event of GoCardless's about payment PM1, its amount
// unknown, in currency (from the event's details; "" when it has none).
func unknownAmount(typ payment.Type, refundID, currency string) payment.Event {
	return payment.Event{
		Provider: gocardless.Name, EventID: "EV1", Type: typ, ProviderType: "payments.confirmed", PaymentID: "PM1",
		RefundID: refundID, Currency: currency, AmountUnknown: true, OccurredAt: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC),
	}
}

const (
	paymentPM1 = `{"payments":{"id":"PM1","amount":4200,"currency":"GBP","status":"confirmed","links":{"mandate":"MD1"}}}`
	refundRF1  = `{"refunds":{"id":"RF1","amount":1500,"currency":"GBP","links":{"payment":"PM1"}}}`
)

// TestOnlyTheEventsOwnPaymentsAmountIsApplied: GoCardless's answer must be
// about the payment (or refund) the event names, and say an amount and a
// currency that can be one. Whatever answers in GoCardless's place with
// another payment's amount (another id, a refund of another payment, a
// currency the event's own details contradict) or with no amount at all is
// refused as a payment GoCardless does not know: the event is FAILED with
// a critical alert (provider.ErrNotConfirmed), never applied.
func TestOnlyTheEventsOwnPaymentsAmountIsApplied(t *testing.T) {
	refunded := unknownAmount(payment.PartiallyRefunded, "RF1", "")
	for _, tc := range []struct {
		name    string
		event   payment.Event
		answers map[string]string
		// amount and currency applied; 0 when refused.
		amount   int64
		currency string
	}{
		{"the payment", unknownAmount(payment.Succeeded, "", ""), map[string]string{"/payments/PM1": paymentPM1}, 4200, "GBP"},
		{"the payment, in the currency its event said", unknownAmount(payment.Succeeded, "", "GBP"), map[string]string{"/payments/PM1": paymentPM1}, 4200, "GBP"},
		{"the disputed payment", unknownAmount(payment.DisputeOpened, "", ""), map[string]string{"/payments/PM1": paymentPM1}, 4200, "GBP"},
		{"the refund", refunded, map[string]string{"/refunds/RF1": refundRF1}, 1500, "GBP"},

		{"another payment's id", unknownAmount(payment.Succeeded, "", ""), map[string]string{"/payments/PM1": `{"payments":{"id":"PM2","amount":4200,"currency":"GBP"}}`}, 0, ""},
		{"an amount of 0", unknownAmount(payment.Succeeded, "", ""), map[string]string{"/payments/PM1": `{"payments":{"id":"PM1","amount":0,"currency":"GBP"}}`}, 0, ""},
		{"a negative amount", unknownAmount(payment.Succeeded, "", ""), map[string]string{"/payments/PM1": `{"payments":{"id":"PM1","amount":-4200,"currency":"GBP"}}`}, 0, ""},
		{"no amount", unknownAmount(payment.Succeeded, "", ""), map[string]string{"/payments/PM1": `{"payments":{"id":"PM1","currency":"GBP"}}`}, 0, ""},
		{"a currency that is no code", unknownAmount(payment.Succeeded, "", ""), map[string]string{"/payments/PM1": `{"payments":{"id":"PM1","amount":4200,"currency":"G8P"}}`}, 0, ""},
		{"no currency", unknownAmount(payment.Succeeded, "", ""), map[string]string{"/payments/PM1": `{"payments":{"id":"PM1","amount":4200}}`}, 0, ""},
		{"a currency other than the event's", unknownAmount(payment.Succeeded, "", "EUR"), map[string]string{"/payments/PM1": paymentPM1}, 0, ""},
		{"a refund of another payment", refunded, map[string]string{"/refunds/RF1": `{"refunds":{"id":"RF1","amount":1500,"currency":"GBP","links":{"payment":"PM2"}}}`}, 0, ""},
		{"a refund of no payment", refunded, map[string]string{"/refunds/RF1": `{"refunds":{"id":"RF1","amount":1500,"currency":"GBP"}}`}, 0, ""},
		{"another refund's id", refunded, map[string]string{"/refunds/RF1": `{"refunds":{"id":"RF2","amount":1500,"currency":"GBP","links":{"payment":"PM1"}}}`}, 0, ""},
		{"a payment where the refund was asked for", refunded, map[string]string{"/refunds/RF1": paymentPM1}, 0, ""},
		{"a payment GoCardless does not know", unknownAmount(payment.Succeeded, "", ""), nil, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			got, err := amounter(t, tc.answers).Amounts(context.Background(), tc.event)
			if tc.amount == 0 {
				is.True(errors.Is(err, provider.ErrNotConfirmed)) // FAILED with a critical alert
				is.True(got.AmountUnknown)                        // nothing taken from the answer
				return
			}
			is.NoErr(err)
			is.True(!got.AmountUnknown)
			is.Equal(got.AmountMinor, tc.amount)
			is.Equal(got.Currency, tc.currency)
			is.NoErr(got.Validate())
		})
	}
}
