package stripe_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/providertest"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/provider/stripe"
)

func TestContract(t *testing.T) {
	providertest.Run(t, stripe.Provider, providertest.Contract{Types: map[string]payment.Type{
		"payment_intent.created": payment.Pending, "payment_intent.processing": payment.Pending, "payment_intent.succeeded": payment.Succeeded,
		"payment_intent.payment_failed": payment.Failed, "payment_intent.canceled": payment.Canceled, "charge.pending": payment.Pending,
		"charge.succeeded": payment.Succeeded, "charge.failed": payment.Failed, "charge.refunded": payment.Refunded,
		"charge.dispute.created": payment.DisputeOpened, "charge.dispute.updated": payment.DisputeUpdated, "charge.dispute.closed": payment.DisputeClosed,
	}})
}

type mapping struct {
	eventType, body string
	want            payment.Event
}

func stripeEvent(eventType, object string) string {
	return `{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","api_version":"2024-06-20","created":1795780800,"livemode":false,"pending_webhooks":1,"request":{"id":"req_8fJ2","idempotency_key":"a1b2"},"type":"` + eventType + `","data":{"object":` + object + `}}`
}

const (
	stripeIntent  = `{"id":"pi_3MtwBwLkdIwHu7ix28a3tqPa","object":"payment_intent","amount":2000,"amount_received":%d,"currency":"usd","customer":"cus_NffrFeUfNV2Hib","receipt_email":"jenny.rosen@example.com","status":"%s","latest_charge":"ch_3MtwBw"}`
	stripeCharge  = `{"id":"ch_3MtwBwLkdIwHu7ix0AHL1hoz","object":"charge","amount":2000,"amount_refunded":%d,"refunded":%t,"currency":"usd","payment_intent":"pi_3MtwBwLkdIwHu7ix28a3tqPa","billing_details":{"email":"jenny.rosen@example.com","name":"Jenny Rosen"},"payment_method_details":{"card":{"brand":"visa","last4":"4242"}},"status":"%s"}`
	stripeDispute = `{"id":"dp_1MtwCL","object":"dispute","amount":2000,"charge":"ch_3MtwBwLkdIwHu7ix0AHL1hoz","currency":"usd","payment_intent":"pi_3MtwBwLkdIwHu7ix28a3tqPa","reason":"fraudulent","status":"%s"}`
	stripeRefund  = `{"id":"re_3MtwBw","object":"refund","amount":500,"charge":"ch_3MtwBwLkdIwHu7ix0AHL1hoz","currency":"usd","payment_intent":"pi_3MtwBwLkdIwHu7ix28a3tqPa","reason":"requested_by_customer","status":"%s"}`
)

const pi = "pi_3MtwBwLkdIwHu7ix28a3tqPa"

var mappings = []mapping{
	{"payment_intent.created", stripeEvent("payment_intent.created", fmt.Sprintf(stripeIntent, 0, "requires_payment_method")), payment.Event{Type: payment.Pending, PaymentID: pi, AmountMinor: 2000, Currency: "USD"}},
	{"payment_intent.processing", stripeEvent("payment_intent.processing", fmt.Sprintf(stripeIntent, 0, "processing")), payment.Event{Type: payment.Pending, PaymentID: pi, AmountMinor: 2000, Currency: "USD"}},
	{"payment_intent.succeeded", stripeEvent("payment_intent.succeeded", fmt.Sprintf(stripeIntent, 1500, "succeeded")), payment.Event{Type: payment.Succeeded, PaymentID: pi, AmountMinor: 1500, Currency: "USD"}},
	{"payment_intent.payment_failed", stripeEvent("payment_intent.payment_failed", fmt.Sprintf(stripeIntent, 0, "requires_payment_method")), payment.Event{Type: payment.Failed, PaymentID: pi, AmountMinor: 2000, Currency: "USD"}},
	{"payment_intent.canceled", stripeEvent("payment_intent.canceled", fmt.Sprintf(stripeIntent, 0, "canceled")), payment.Event{Type: payment.Canceled, PaymentID: pi, AmountMinor: 2000, Currency: "USD"}},
	{"charge.pending", stripeEvent("charge.pending", fmt.Sprintf(stripeCharge, 0, false, "pending")), payment.Event{Type: payment.Pending, PaymentID: pi, AmountMinor: 2000, Currency: "USD"}},
	{"charge.succeeded", stripeEvent("charge.succeeded", fmt.Sprintf(stripeCharge, 0, false, "succeeded")), payment.Event{Type: payment.Succeeded, PaymentID: pi, AmountMinor: 2000, Currency: "USD"}},
	{"charge.failed", stripeEvent("charge.failed", fmt.Sprintf(stripeCharge, 0, false, "failed")), payment.Event{Type: payment.Failed, PaymentID: pi, AmountMinor: 2000, Currency: "USD"}},
	{"charge.refunded (full)", stripeEvent("charge.refunded", fmt.Sprintf(stripeCharge, 2000, true, "succeeded")), payment.Event{Type: payment.Refunded, PaymentID: pi, AmountMinor: 2000, RefundedTotal: true, Currency: "USD"}},
	{"charge.refunded (partial)", stripeEvent("charge.refunded", fmt.Sprintf(stripeCharge, 500, false, "succeeded")), payment.Event{Type: payment.PartiallyRefunded, PaymentID: pi, AmountMinor: 500, RefundedTotal: true, Currency: "USD"}},
	{"charge.dispute.created", stripeEvent("charge.dispute.created", fmt.Sprintf(stripeDispute, "needs_response")), payment.Event{Type: payment.DisputeOpened, PaymentID: pi, AmountMinor: 2000, Currency: "USD", DisputeStatus: "needs_response"}},
	{"charge.dispute.updated", stripeEvent("charge.dispute.updated", fmt.Sprintf(stripeDispute, "under_review")), payment.Event{Type: payment.DisputeUpdated, PaymentID: pi, AmountMinor: 2000, Currency: "USD", DisputeStatus: "under_review"}},
	{"charge.dispute.closed", stripeEvent("charge.dispute.closed", fmt.Sprintf(stripeDispute, "lost")), payment.Event{Type: payment.DisputeClosed, PaymentID: pi, AmountMinor: 2000, Currency: "USD", DisputeStatus: "lost", DisputeOutcome: payment.DisputeLost}},
	{"refund.created (pending)", stripeEvent("refund.created", fmt.Sprintf(stripeRefund, "pending")), payment.Event{Type: payment.RefundUpdated, PaymentID: pi, AmountMinor: 500, Currency: "USD", RefundID: "re_3MtwBw", RefundStatus: payment.RefundPending}},
	{"refund.updated (succeeded)", stripeEvent("refund.updated", fmt.Sprintf(stripeRefund, "succeeded")), payment.Event{Type: payment.PartiallyRefunded, PaymentID: pi, AmountMinor: 500, Currency: "USD", RefundID: "re_3MtwBw", RefundStatus: payment.RefundSucceeded}},
	{"refund.failed", stripeEvent("refund.failed", fmt.Sprintf(stripeRefund, "failed")), payment.Event{Type: payment.RefundUpdated, PaymentID: pi, AmountMinor: 500, Currency: "USD", RefundID: "re_3MtwBw", RefundStatus: payment.RefundFailed}},
	{"customer.created", stripeEvent("customer.created", `{"id":"cus_NffrFeUfNV2Hib","object":"customer","email":"jenny.rosen@example.com","name":"Jenny Rosen"}`), payment.Event{Type: payment.Other}},
}

func TestNormalize(t *testing.T) {
	occurred := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for _, m := range mappings {
		t.Run(m.eventType, func(t *testing.T) {
			is := is.New(t)
			eventType, _, _ := strings.Cut(m.eventType, " (")
			got, err := registry.Normalize(payment.Delivery{Provider: stripe.Name, EventID: "evt-1", EventType: eventType, Body: []byte(m.body), OccurredAt: occurred})
			is.NoErr(err)
			want := m.want
			want.Provider, want.EventID, want.ProviderType, want.OccurredAt = stripe.Name, "evt-1", eventType, occurred
			is.Equal(got, want)
		})
	}
}

func TestUnprocessablePayloads(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":                             `{`,
		"a payment event without a payment id": stripeEvent("charge.succeeded", `{"object":"charge","amount":100,"currency":"usd"}`),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := registry.Normalize(payment.Delivery{Provider: stripe.Name, EventID: "evt-1", EventType: "charge.succeeded", Body: []byte(body), OccurredAt: time.Now()})
			is.New(t).True(errors.Is(err, payment.ErrUnprocessable))
		})
	}
}

func FuzzNormalize(f *testing.F) {
	for _, m := range mappings {
		eventType, _, _ := strings.Cut(m.eventType, " (")
		f.Add(eventType, []byte(m.body))
	}
	f.Add("charge.refunded", []byte(`{"data":{"object":{"object":"charge","amount_refunded":-1,"payment_intent":"pi"}}}`))
	f.Fuzz(func(t *testing.T, eventType string, body []byte) {
		providertest.CheckFuzzedNormalize(t, stripe.Provider, eventType, body)
	})
}
