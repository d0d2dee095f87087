package paypal_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/providertest"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/paypal"
	"github.com/payhook/payhook/shared/provider/registry"
)

func TestContract(t *testing.T) {
	keys := providertest.DevelopmentKeys(t, paypal.Provider)
	certs, ok, err := paypal.DevCerts(keys)
	is.New(t).NoErr(err)
	is.New(t).True(ok)
	providertest.Run(t, paypal.Provider, providertest.Contract{Keys: keys, Config: provider.Config{Certificates: certs}, Types: map[string]payment.Type{
		"PAYMENT.CAPTURE.COMPLETED": payment.Succeeded, "PAYMENT.CAPTURE.PENDING": payment.Pending, "PAYMENT.CAPTURE.DENIED": payment.Failed,
		"PAYMENT.CAPTURE.DECLINED": payment.Failed, "PAYMENT.CAPTURE.REFUNDED": payment.PartiallyRefunded, "PAYMENT.CAPTURE.REVERSED": payment.Refunded,
		"PAYMENT.AUTHORIZATION.CREATED": payment.Pending, "PAYMENT.AUTHORIZATION.VOIDED": payment.Canceled,
		"CUSTOMER.DISPUTE.CREATED": payment.DisputeOpened, "CUSTOMER.DISPUTE.UPDATED": payment.DisputeUpdated, "CUSTOMER.DISPUTE.RESOLVED": payment.DisputeClosed,
	}})
}

type mapping struct {
	eventType, body string
	want            payment.Event
}

func paypalEvent(eventType, resource string) string {
	return `{"id":"WH-2WR32451HC0233532-67976317FL4543714","event_version":"1.0","create_time":"2026-11-27T10:00:00.000Z","resource_type":"capture","resource_version":"2.0","event_type":"` + eventType + `","summary":"Payment event","resource":` + resource + `,"links":[{"href":"https://api.paypal.com/v1/notifications/webhooks-events/WH-2WR32451HC0233532-67976317FL4543714","rel":"self","method":"GET"}]}`
}

const (
	paypalCapture = `{"id":"42311647XV020574X","status":"%s","amount":{"currency_code":"USD","value":"20.00"},"final_capture":true,"seller_protection":{"status":"ELIGIBLE"},"links":[{"href":"https://api.paypal.com/v2/payments/captures/42311647XV020574X","rel":"self","method":"GET"},{"href":"https://api.paypal.com/v2/checkout/orders/5O190127TN364715T","rel":"up","method":"GET"}]}`
	paypalRefund  = `{"id":"1Y107995YT783435V","status":"%s","amount":{"currency_code":"USD","value":"5.00"},"note_to_payer":"Sorry, Jane Doe","seller_payable_breakdown":{"gross_amount":{"currency_code":"USD","value":"5.00"},"total_refunded_amount":{"currency_code":"USD","value":"%s"}},"links":[{"href":"https://api.paypal.com/v2/payments/refunds/1Y107995YT783435V","rel":"self","method":"GET"},{"href":"https://api.paypal.com/v2/payments/captures/42311647XV020574X","rel":"up","method":"GET"}]}`
	paypalAuth    = `{"id":"0VF52814937998046","status":"%s","amount":{"currency_code":"JPY","value":"1000"},"expiration_time":"2026-12-26T10:00:00Z","links":[]}`
	paypalDispute = `{"dispute_id":"PP-D-4012","reason":"MERCHANDISE_OR_SERVICE_NOT_RECEIVED","status":"%s","dispute_amount":{"currency_code":"USD","value":"20.00"},"disputed_transactions":[{"seller_transaction_id":"42311647XV020574X","buyer":{"name":"John Doe"},"seller":{"email":"merchant@example.com"}}],"dispute_outcome":{"outcome_code":"%s"}}`
)

const capture = "42311647XV020574X"

var mappings = []mapping{
	{"PAYMENT.CAPTURE.COMPLETED", paypalEvent("PAYMENT.CAPTURE.COMPLETED", fmt.Sprintf(paypalCapture, "COMPLETED")), payment.Event{Type: payment.Succeeded, PaymentID: capture, AmountMinor: 2000, Currency: "USD"}},
	{"PAYMENT.CAPTURE.PENDING", paypalEvent("PAYMENT.CAPTURE.PENDING", fmt.Sprintf(paypalCapture, "PENDING")), payment.Event{Type: payment.Pending, PaymentID: capture, AmountMinor: 2000, Currency: "USD"}},
	{"PAYMENT.CAPTURE.DENIED", paypalEvent("PAYMENT.CAPTURE.DENIED", fmt.Sprintf(paypalCapture, "DECLINED")), payment.Event{Type: payment.Failed, PaymentID: capture, AmountMinor: 2000, Currency: "USD"}},
	{"PAYMENT.CAPTURE.DECLINED", paypalEvent("PAYMENT.CAPTURE.DECLINED", fmt.Sprintf(paypalCapture, "DECLINED")), payment.Event{Type: payment.Failed, PaymentID: capture, AmountMinor: 2000, Currency: "USD"}},
	{"PAYMENT.CAPTURE.REFUNDED", paypalEvent("PAYMENT.CAPTURE.REFUNDED", fmt.Sprintf(paypalRefund, "COMPLETED", "5.00")), payment.Event{Type: payment.PartiallyRefunded, PaymentID: capture, AmountMinor: 500, Currency: "USD", RefundID: "1Y107995YT783435V", RefundStatus: payment.RefundSucceeded}},
	{"PAYMENT.CAPTURE.REVERSED", paypalEvent("PAYMENT.CAPTURE.REVERSED", fmt.Sprintf(paypalRefund, "COMPLETED", "20.00")), payment.Event{Type: payment.Refunded, PaymentID: capture, AmountMinor: 500, Currency: "USD", RefundID: "1Y107995YT783435V", RefundStatus: payment.RefundSucceeded}},
	{"PAYMENT.REFUND.PENDING", paypalEvent("PAYMENT.REFUND.PENDING", fmt.Sprintf(paypalRefund, "PENDING", "0.00")), payment.Event{Type: payment.RefundUpdated, PaymentID: capture, AmountMinor: 500, Currency: "USD", RefundID: "1Y107995YT783435V", RefundStatus: payment.RefundPending}},
	{"PAYMENT.AUTHORIZATION.CREATED", paypalEvent("PAYMENT.AUTHORIZATION.CREATED", fmt.Sprintf(paypalAuth, "CREATED")), payment.Event{Type: payment.Pending, PaymentID: "0VF52814937998046", AmountMinor: 1000, Currency: "JPY"}},
	{"PAYMENT.AUTHORIZATION.VOIDED", paypalEvent("PAYMENT.AUTHORIZATION.VOIDED", fmt.Sprintf(paypalAuth, "VOIDED")), payment.Event{Type: payment.Canceled, PaymentID: "0VF52814937998046", AmountMinor: 1000, Currency: "JPY"}},
	{"CUSTOMER.DISPUTE.CREATED", paypalEvent("CUSTOMER.DISPUTE.CREATED", fmt.Sprintf(paypalDispute, "OPEN", "")), payment.Event{Type: payment.DisputeOpened, PaymentID: capture, AmountMinor: 2000, Currency: "USD", DisputeStatus: "OPEN"}},
	{"CUSTOMER.DISPUTE.UPDATED", paypalEvent("CUSTOMER.DISPUTE.UPDATED", fmt.Sprintf(paypalDispute, "UNDER_REVIEW", "")), payment.Event{Type: payment.DisputeUpdated, PaymentID: capture, AmountMinor: 2000, Currency: "USD", DisputeStatus: "UNDER_REVIEW"}},
	{"CUSTOMER.DISPUTE.RESOLVED", paypalEvent("CUSTOMER.DISPUTE.RESOLVED", fmt.Sprintf(paypalDispute, "RESOLVED", "RESOLVED_SELLER_FAVOUR")), payment.Event{Type: payment.DisputeClosed, PaymentID: capture, AmountMinor: 2000, Currency: "USD", DisputeStatus: "RESOLVED", DisputeOutcome: payment.DisputeWon}},
	{"CHECKOUT.ORDER.APPROVED", paypalEvent("CHECKOUT.ORDER.APPROVED", `{"id":"5O190127TN364715T","status":"APPROVED","payer":{"email_address":"customer@example.com"}}`), payment.Event{Type: payment.Other, PaymentID: "5O190127TN364715T"}},
}

func TestNormalize(t *testing.T) {
	occurred := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for _, m := range mappings {
		t.Run(m.eventType, func(t *testing.T) {
			is := is.New(t)
			eventType, _, _ := strings.Cut(m.eventType, " (")
			got, err := registry.Normalize(payment.Delivery{Provider: paypal.Name, EventID: "evt-1", EventType: eventType, Body: []byte(m.body), OccurredAt: occurred})
			is.NoErr(err)
			want := m.want
			want.Provider, want.EventID, want.ProviderType, want.OccurredAt = paypal.Name, "evt-1", eventType, occurred
			is.Equal(got, want)
		})
	}
}

func TestUnprocessablePayloads(t *testing.T) {
	for name, body := range map[string]string{
		"an amount with too many decimals": paypalEvent("PAYMENT.CAPTURE.COMPLETED", `{"id":"C1","amount":{"currency_code":"USD","value":"20.001"}}`),
		"JPY with decimals":                paypalEvent("PAYMENT.CAPTURE.COMPLETED", `{"id":"C1","amount":{"currency_code":"JPY","value":"100.5"}}`),
		"a negative amount":                paypalEvent("PAYMENT.CAPTURE.COMPLETED", `{"id":"C1","amount":{"currency_code":"USD","value":"-5.00"}}`),
	} {
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			_, err := registry.Normalize(payment.Delivery{Provider: paypal.Name, EventID: "evt-1", EventType: "PAYMENT.CAPTURE.COMPLETED", Body: []byte(body), OccurredAt: time.Now()})
			is.True(errors.Is(err, payment.ErrUnprocessable))
			is.True(!strings.Contains(err.Error(), "20.001")) // reasons never quote the payload
		})
	}
}

func FuzzNormalize(f *testing.F) {
	for _, m := range mappings {
		eventType, _, _ := strings.Cut(m.eventType, " (")
		f.Add(eventType, []byte(m.body))
	}
	f.Add("PAYMENT.CAPTURE.COMPLETED", []byte(`{"resource":{"id":"C","amount":{"currency_code":"JPY","value":"99999999999999999999"}}}`))
	f.Fuzz(func(t *testing.T, eventType string, body []byte) {
		providertest.CheckFuzzedNormalize(t, paypal.Provider, eventType, body)
	})
}
