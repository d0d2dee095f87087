package gocardless_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/providertest"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider/gocardless"
	"github.com/payhook/payhook/shared/provider/registry"
)

func TestContract(t *testing.T) {
	providertest.Run(t, gocardless.Provider, providertest.Contract{NoAmounts: true, Types: map[string]payment.Type{
		"payments.confirmed": payment.Succeeded, "payments.created": payment.Pending, "payments.failed": payment.Failed,
		"payments.cancelled": payment.Canceled, "payments.charged_back": payment.DisputeOpened, "payments.chargeback_settled": payment.DisputeClosed,
		"refunds.created": payment.RefundUpdated, "refunds.paid": payment.PartiallyRefunded,
		"mandates.active": payment.Other, "subscriptions.created": payment.Other,
	}})
}

// event is one GoCardless event, shaped like those of its documentation and
// its SDKs' tests.
func event(resource, action, links string) string {
	return `{"id":"EV123","created_at":"2026-11-27T10:00:00.000Z","resource_type":"` + resource + `","action":"` + action + `","links":` + links +
		`,"details":{"origin":"bank","cause":"insufficient_funds","scheme":"bacs","reason_code":"ARUDD-0","description":"The customer's account had insufficient funds to make this payment."},"metadata":{}}`
}

func TestNormalize(t *testing.T) {
	const payment1, refund1 = `{"payment":"PM000TEST01","mandate":"MD000TEST01"}`, `{"refund":"RF000TEST01","payment":"PM000TEST01","mandate":"MD000TEST01"}`
	cases := []struct {
		eventType, body string
		want            payment.Event
	}{
		{"payments.created", event("payments", "created", payment1), payment.Event{Type: payment.Pending, PaymentID: "PM000TEST01"}},
		{"payments.submitted", event("payments", "submitted", payment1), payment.Event{Type: payment.Pending, PaymentID: "PM000TEST01"}},
		{"payments.confirmed", event("payments", "confirmed", payment1), payment.Event{Type: payment.Succeeded, PaymentID: "PM000TEST01"}},
		{"payments.paid_out", event("payments", "paid_out", `{"payment":"PM000TEST01","payout":"PO000TEST01"}`), payment.Event{Type: payment.Succeeded, PaymentID: "PM000TEST01"}},
		{"payments.failed", event("payments", "failed", payment1), payment.Event{Type: payment.Failed, PaymentID: "PM000TEST01"}},
		{"payments.late_failure_settled", event("payments", "late_failure_settled", payment1), payment.Event{Type: payment.Failed, PaymentID: "PM000TEST01"}},
		{"payments.cancelled", event("payments", "cancelled", payment1), payment.Event{Type: payment.Canceled, PaymentID: "PM000TEST01"}},
		{"payments.charged_back", event("payments", "charged_back", payment1), payment.Event{Type: payment.DisputeOpened, PaymentID: "PM000TEST01", DisputeStatus: "charged_back"}},
		{"payments.chargeback_cancelled", event("payments", "chargeback_cancelled", payment1), payment.Event{Type: payment.DisputeClosed, PaymentID: "PM000TEST01", DisputeStatus: "chargeback_cancelled", DisputeOutcome: payment.DisputeWon}},
		{"payments.chargeback_settled", event("payments", "chargeback_settled", payment1), payment.Event{Type: payment.DisputeClosed, PaymentID: "PM000TEST01", DisputeStatus: "chargeback_settled", DisputeOutcome: payment.DisputeLost}},
		{"refunds.created", event("refunds", "created", refund1), payment.Event{Type: payment.RefundUpdated, PaymentID: "PM000TEST01", RefundID: "RF000TEST01", RefundStatus: payment.RefundPending}},
		{"refunds.paid", event("refunds", "paid", refund1), payment.Event{Type: payment.PartiallyRefunded, PaymentID: "PM000TEST01", RefundID: "RF000TEST01", RefundStatus: payment.RefundSucceeded}},
		{"refunds.failed", event("refunds", "failed", refund1), payment.Event{Type: payment.RefundUpdated, PaymentID: "PM000TEST01", RefundID: "RF000TEST01", RefundStatus: payment.RefundFailed}},
		{"refunds.funds_returned", event("refunds", "funds_returned", refund1), payment.Event{Type: payment.RefundUpdated, PaymentID: "PM000TEST01", RefundID: "RF000TEST01", RefundStatus: payment.RefundFailed}},
		{"refunds.paid, no payment linked", event("refunds", "paid", `{"refund":"RF000TEST01"}`), payment.Event{Type: payment.Other}},
		{"mandates.active", event("mandates", "active", `{"mandate":"MD000ZQT5CPCVV"}`), payment.Event{Type: payment.Other}},
		{"subscriptions.payment_created", event("subscriptions", "payment_created", `{"subscription":"SB000TEST01","payment":"PM000TEST03"}`), payment.Event{Type: payment.Other}},
		{"payouts.paid", event("payouts", "paid", `{"payout":"PO000TEST01"}`), payment.Event{Type: payment.Other}},
		{"payments.confirmed, with a currency", `{"id":"EV9","resource_type":"payments","action":"confirmed","links":{"payment":"PM9"},"details":{"currency":"gbp"}}`, payment.Event{Type: payment.Succeeded, PaymentID: "PM9", Currency: "GBP"}},
		{"payments.confirmed, with an odd currency", `{"id":"EV9","resource_type":"payments","action":"confirmed","links":{"payment":"PM9"},"details":{"currency":"1£"}}`, payment.Event{Type: payment.Succeeded, PaymentID: "PM9"}},
	}
	occurred := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for _, tc := range cases {
		t.Run(tc.eventType, func(t *testing.T) {
			is := is.New(t)
			eventType, _, _ := strings.Cut(tc.eventType, ",")
			got, err := registry.Normalize(payment.Delivery{Provider: gocardless.Name, EventID: "EV123", EventType: eventType, Body: []byte(tc.body), OccurredAt: occurred})
			is.NoErr(err)
			want := tc.want
			want.Provider, want.EventID, want.ProviderType, want.OccurredAt = gocardless.Name, "EV123", eventType, occurred
			want.AmountUnknown = want.Type != payment.Other // never 0: GoCardless did not say
			is.Equal(got, want)
		})
	}
}

// A direct debit the bank returns after it was confirmed fails the payment;
// a refund paid, amount unknown, leaves it partially refunded.
func TestLateFailureAndRefundsWithoutAmounts(t *testing.T) {
	is := is.New(t)
	apply := func(s payment.State, id, eventType, body string, at time.Duration) payment.State {
		e, err := registry.Normalize(payment.Delivery{Provider: gocardless.Name, EventID: id, EventType: eventType, Body: []byte(body), OccurredAt: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC).Add(at)})
		is.NoErr(err)
		next, _ := s.Apply(e)
		return next
	}
	payment1 := `{"payment":"PM1"}`
	s := apply(payment.State{}, "EV1", "payments.confirmed", event("payments", "confirmed", payment1), 0)
	refunded := apply(s, "EV2", "refunds.paid", event("refunds", "paid", `{"refund":"RF1","payment":"PM1"}`), time.Hour)
	is.Equal(refunded.Status, payment.StatusPartiallyRefunded)
	failed := apply(s, "EV3", "payments.failed", event("payments", "failed", payment1), 24*time.Hour)
	is.Equal(failed.Status, payment.StatusFailed)
}

func TestUnprocessablePayload(t *testing.T) {
	_, err := registry.Normalize(payment.Delivery{Provider: gocardless.Name, EventID: "EV1", EventType: "payments.confirmed", Body: []byte(`{"links":`), OccurredAt: time.Now()})
	is.New(t).True(errors.Is(err, payment.ErrUnprocessable))
}

func FuzzNormalize(f *testing.F) {
	f.Add("payments.confirmed", []byte(event("payments", "confirmed", `{"payment":"PM1"}`)))
	f.Add("refunds.paid", []byte(event("refunds", "paid", `{"refund":"RF1","payment":"PM1"}`)))
	f.Add("payments.charged_back", []byte(`{"links":{"payment":""},"details":{"currency":"XX"}}`))
	f.Fuzz(func(t *testing.T, eventType string, body []byte) {
		providertest.CheckFuzzedNormalize(t, gocardless.Provider, eventType, body)
	})
}
