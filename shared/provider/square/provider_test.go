package square_test

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
	"github.com/payhook/payhook/shared/provider/square"
)

func TestContract(t *testing.T) {
	providertest.Run(t, square.Provider, providertest.Contract{Types: map[string]payment.Type{
		"payment.created": payment.Pending, "payment.updated": payment.Succeeded, "refund.created": payment.RefundUpdated, "refund.updated": payment.PartiallyRefunded,
		"dispute.created": payment.DisputeOpened, "dispute.state.updated": payment.DisputeClosed,
	}})
}

type mapping struct {
	eventType, body string
	want            payment.Event
}

func squareEvent(eventType, dataType, object string) string {
	return `{"merchant_id":"6SSW7HV8K2ST5","type":"` + eventType + `","event_id":"13b867cf-db3d-4b1c-90b6-2f32a9d78124","created_at":"2026-11-27T10:00:00.000Z","data":{"type":"` + dataType + `","id":"KkAkhdMsgzn59SM8A89WgKwekxLZY","object":` + object + `}}`
}

const (
	squarePayment = `{"payment":{"id":"KkAkhdMsgzn59SM8A89WgKwekxLZY","amount_money":{"amount":2500,"currency":"USD"},"total_money":{"amount":2500,"currency":"USD"},"status":"%s","source_type":"CARD","card_details":{"card":{"card_brand":"VISA","last_4":"1111"}},"buyer_email_address":"buyer@example.com","location_id":"L88917AVBK2S5"}}`
	squareRefund  = `{"refund":{"id":"KkAkhdMsgzn59SM8A89WgKwekxLZY_ptNxNhMsB","payment_id":"KkAkhdMsgzn59SM8A89WgKwekxLZY","amount_money":{"amount":1000,"currency":"USD"},"status":"%s","reason":"Customer request","location_id":"L88917AVBK2S5"}}`
	squareDispute = `{"dispute":{"id":"XDgyFu7yo1E2S5lQGGpYn","amount_money":{"amount":2500,"currency":"USD"},"reason":"NO_KNOWLEDGE","state":"%s","disputed_payment":{"payment_id":"KkAkhdMsgzn59SM8A89WgKwekxLZY"},"card_brand":"VISA","location_id":"L88917AVBK2S5"}}`
)

const (
	squarePaymentID = "KkAkhdMsgzn59SM8A89WgKwekxLZY"
	squareRefundID  = "KkAkhdMsgzn59SM8A89WgKwekxLZY_ptNxNhMsB"
)

var mappings = []mapping{
	{"payment.created", squareEvent("payment.created", "payment", fmt.Sprintf(squarePayment, "APPROVED")), payment.Event{Type: payment.Pending, PaymentID: squarePaymentID, AmountMinor: 2500, Currency: "USD"}},
	{"payment.updated (COMPLETED)", squareEvent("payment.updated", "payment", fmt.Sprintf(squarePayment, "COMPLETED")), payment.Event{Type: payment.Succeeded, PaymentID: squarePaymentID, AmountMinor: 2500, Currency: "USD"}},
	{"payment.updated (FAILED)", squareEvent("payment.updated", "payment", fmt.Sprintf(squarePayment, "FAILED")), payment.Event{Type: payment.Failed, PaymentID: squarePaymentID, AmountMinor: 2500, Currency: "USD"}},
	{"payment.updated (CANCELED)", squareEvent("payment.updated", "payment", fmt.Sprintf(squarePayment, "CANCELED")), payment.Event{Type: payment.Canceled, PaymentID: squarePaymentID, AmountMinor: 2500, Currency: "USD"}},
	{"refund.created", squareEvent("refund.created", "refund", fmt.Sprintf(squareRefund, "PENDING")), payment.Event{Type: payment.RefundUpdated, PaymentID: squarePaymentID, AmountMinor: 1000, Currency: "USD", RefundID: squareRefundID, RefundStatus: payment.RefundPending}},
	{"refund.updated", squareEvent("refund.updated", "refund", fmt.Sprintf(squareRefund, "COMPLETED")), payment.Event{Type: payment.PartiallyRefunded, PaymentID: squarePaymentID, AmountMinor: 1000, Currency: "USD", RefundID: squareRefundID, RefundStatus: payment.RefundSucceeded}},
	{"refund.updated (REJECTED)", squareEvent("refund.updated", "refund", fmt.Sprintf(squareRefund, "REJECTED")), payment.Event{Type: payment.RefundUpdated, PaymentID: squarePaymentID, AmountMinor: 1000, Currency: "USD", RefundID: squareRefundID, RefundStatus: payment.RefundFailed}},
	{"dispute.created", squareEvent("dispute.created", "dispute", fmt.Sprintf(squareDispute, "EVIDENCE_REQUIRED")), payment.Event{Type: payment.DisputeOpened, PaymentID: squarePaymentID, AmountMinor: 2500, Currency: "USD", DisputeStatus: "EVIDENCE_REQUIRED"}},
	{"dispute.state.updated", squareEvent("dispute.state.updated", "dispute", fmt.Sprintf(squareDispute, "WON")), payment.Event{Type: payment.DisputeClosed, PaymentID: squarePaymentID, AmountMinor: 2500, Currency: "USD", DisputeStatus: "WON", DisputeOutcome: payment.DisputeWon}},
	{"dispute.state.changed", squareEvent("dispute.state.changed", "dispute", fmt.Sprintf(squareDispute, "PROCESSING")), payment.Event{Type: payment.DisputeUpdated, PaymentID: squarePaymentID, AmountMinor: 2500, Currency: "USD", DisputeStatus: "PROCESSING"}},
	{"dispute.evidence.created", squareEvent("dispute.evidence.created", "dispute", fmt.Sprintf(squareDispute, "PROCESSING")), payment.Event{Type: payment.Other, PaymentID: squarePaymentID, AmountMinor: 2500, Currency: "USD", DisputeStatus: "PROCESSING"}},
}

func TestNormalize(t *testing.T) {
	occurred := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for _, m := range mappings {
		t.Run(m.eventType, func(t *testing.T) {
			is := is.New(t)
			eventType, _, _ := strings.Cut(m.eventType, " (")
			got, err := registry.Normalize(payment.Delivery{Provider: square.Name, EventID: "evt-1", EventType: eventType, Body: []byte(m.body), OccurredAt: occurred})
			is.NoErr(err)
			want := m.want
			want.Provider, want.EventID, want.ProviderType, want.OccurredAt = square.Name, "evt-1", eventType, occurred
			is.Equal(got, want)
		})
	}
}

func TestUnprocessablePayload(t *testing.T) {
	_, err := registry.Normalize(payment.Delivery{Provider: square.Name, EventID: "evt-1", EventType: "payment.updated", Body: []byte(`{"data":`), OccurredAt: time.Now()})
	is.New(t).True(errors.Is(err, payment.ErrUnprocessable))
}

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// applyAll applies events in order to a new payment.
func applyAll(events ...payment.Event) payment.State {
	var s payment.State
	for _, e := range events {
		s, _ = s.Apply(e)
	}
	return s
}

func normalized(t *testing.T, id, eventType, body string, at time.Duration) payment.Event {
	t.Helper()
	e, err := registry.Normalize(payment.Delivery{Provider: square.Name, EventID: id, EventType: eventType, Body: []byte(body), OccurredAt: t0.Add(at)})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Square sends refund.created, then refund.updated, sometimes twice, for
// one refund: it is refunded once.
func TestASquareRefundReportedThriceIsCountedOnce(t *testing.T) {
	is := is.New(t)
	s := applyAll(
		normalized(t, "e1", "payment.updated", squareEvent("payment.updated", "payment", fmt.Sprintf(squarePayment, "COMPLETED")), 0),
		normalized(t, "e2", "refund.created", squareEvent("refund.created", "refund", fmt.Sprintf(squareRefund, "PENDING")), time.Second),
		normalized(t, "e3", "refund.updated", squareEvent("refund.updated", "refund", fmt.Sprintf(squareRefund, "COMPLETED")), 2*time.Second),
		normalized(t, "e4", "refund.updated", squareEvent("refund.updated", "refund", fmt.Sprintf(squareRefund, "COMPLETED")), 3*time.Second),
	)
	is.Equal(s.RefundedMinor, int64(1000))
	is.Equal(s.Status, payment.StatusPartiallyRefunded)
}

func TestASquareRefundBeforeItsPaymentEndsRefunded(t *testing.T) {
	is := is.New(t)
	full := `{"refund":{"id":"R1","payment_id":"KkAkhdMsgzn59SM8A89WgKwekxLZY","amount_money":{"amount":2500,"currency":"USD"},"status":"COMPLETED"}}`
	s := applyAll(
		normalized(t, "e2", "refund.updated", squareEvent("refund.updated", "refund", full), 2*time.Second),
		normalized(t, "e1", "payment.updated", squareEvent("payment.updated", "payment", fmt.Sprintf(squarePayment, "COMPLETED")), time.Second),
	)
	is.Equal(s.Status, payment.StatusRefunded)
}

func FuzzNormalize(f *testing.F) {
	for _, m := range mappings {
		eventType, _, _ := strings.Cut(m.eventType, " (")
		f.Add(eventType, []byte(m.body))
	}
	f.Fuzz(func(t *testing.T, eventType string, body []byte) {
		providertest.CheckFuzzedNormalize(t, square.Provider, eventType, body)
	})
}
