package payment_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/payment"
)

type mapping struct {
	provider, eventType, body string
	want                      payment.Event
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

var stripeMappings = []mapping{
	{"stripe", "payment_intent.created", stripeEvent("payment_intent.created", fmt.Sprintf(stripeIntent, 0, "requires_payment_method")), payment.Event{Type: payment.Pending, PaymentID: pi, AmountMinor: 2000, Currency: "USD"}},
	{"stripe", "payment_intent.processing", stripeEvent("payment_intent.processing", fmt.Sprintf(stripeIntent, 0, "processing")), payment.Event{Type: payment.Pending, PaymentID: pi, AmountMinor: 2000, Currency: "USD"}},
	{"stripe", "payment_intent.succeeded", stripeEvent("payment_intent.succeeded", fmt.Sprintf(stripeIntent, 1500, "succeeded")), payment.Event{Type: payment.Succeeded, PaymentID: pi, AmountMinor: 1500, Currency: "USD"}},
	{"stripe", "payment_intent.payment_failed", stripeEvent("payment_intent.payment_failed", fmt.Sprintf(stripeIntent, 0, "requires_payment_method")), payment.Event{Type: payment.Failed, PaymentID: pi, AmountMinor: 2000, Currency: "USD"}},
	{"stripe", "payment_intent.canceled", stripeEvent("payment_intent.canceled", fmt.Sprintf(stripeIntent, 0, "canceled")), payment.Event{Type: payment.Canceled, PaymentID: pi, AmountMinor: 2000, Currency: "USD"}},
	{"stripe", "charge.pending", stripeEvent("charge.pending", fmt.Sprintf(stripeCharge, 0, false, "pending")), payment.Event{Type: payment.Pending, PaymentID: pi, AmountMinor: 2000, Currency: "USD"}},
	{"stripe", "charge.succeeded", stripeEvent("charge.succeeded", fmt.Sprintf(stripeCharge, 0, false, "succeeded")), payment.Event{Type: payment.Succeeded, PaymentID: pi, AmountMinor: 2000, Currency: "USD"}},
	{"stripe", "charge.failed", stripeEvent("charge.failed", fmt.Sprintf(stripeCharge, 0, false, "failed")), payment.Event{Type: payment.Failed, PaymentID: pi, AmountMinor: 2000, Currency: "USD"}},
	{"stripe", "charge.refunded (full)", stripeEvent("charge.refunded", fmt.Sprintf(stripeCharge, 2000, true, "succeeded")), payment.Event{Type: payment.Refunded, PaymentID: pi, AmountMinor: 2000, RefundedTotal: true, Currency: "USD"}},
	{"stripe", "charge.refunded (partial)", stripeEvent("charge.refunded", fmt.Sprintf(stripeCharge, 500, false, "succeeded")), payment.Event{Type: payment.PartiallyRefunded, PaymentID: pi, AmountMinor: 500, RefundedTotal: true, Currency: "USD"}},
	{"stripe", "charge.dispute.created", stripeEvent("charge.dispute.created", fmt.Sprintf(stripeDispute, "needs_response")), payment.Event{Type: payment.DisputeOpened, PaymentID: pi, AmountMinor: 2000, Currency: "USD", DisputeStatus: "needs_response"}},
	{"stripe", "charge.dispute.updated", stripeEvent("charge.dispute.updated", fmt.Sprintf(stripeDispute, "under_review")), payment.Event{Type: payment.DisputeUpdated, PaymentID: pi, AmountMinor: 2000, Currency: "USD", DisputeStatus: "under_review"}},
	{"stripe", "charge.dispute.closed", stripeEvent("charge.dispute.closed", fmt.Sprintf(stripeDispute, "lost")), payment.Event{Type: payment.DisputeClosed, PaymentID: pi, AmountMinor: 2000, Currency: "USD", DisputeStatus: "lost", DisputeOutcome: payment.DisputeLost}},
	{"stripe", "refund.created (pending)", stripeEvent("refund.created", fmt.Sprintf(stripeRefund, "pending")), payment.Event{Type: payment.RefundUpdated, PaymentID: pi, AmountMinor: 500, Currency: "USD", RefundID: "re_3MtwBw", RefundStatus: payment.RefundPending}},
	{"stripe", "refund.updated (succeeded)", stripeEvent("refund.updated", fmt.Sprintf(stripeRefund, "succeeded")), payment.Event{Type: payment.PartiallyRefunded, PaymentID: pi, AmountMinor: 500, Currency: "USD", RefundID: "re_3MtwBw", RefundStatus: payment.RefundSucceeded}},
	{"stripe", "refund.failed", stripeEvent("refund.failed", fmt.Sprintf(stripeRefund, "failed")), payment.Event{Type: payment.RefundUpdated, PaymentID: pi, AmountMinor: 500, Currency: "USD", RefundID: "re_3MtwBw", RefundStatus: payment.RefundFailed}},
	{"stripe", "customer.created", stripeEvent("customer.created", `{"id":"cus_NffrFeUfNV2Hib","object":"customer","email":"jenny.rosen@example.com","name":"Jenny Rosen"}`), payment.Event{Type: payment.Other}},
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

var paypalMappings = []mapping{
	{"paypal", "PAYMENT.CAPTURE.COMPLETED", paypalEvent("PAYMENT.CAPTURE.COMPLETED", fmt.Sprintf(paypalCapture, "COMPLETED")), payment.Event{Type: payment.Succeeded, PaymentID: capture, AmountMinor: 2000, Currency: "USD"}},
	{"paypal", "PAYMENT.CAPTURE.PENDING", paypalEvent("PAYMENT.CAPTURE.PENDING", fmt.Sprintf(paypalCapture, "PENDING")), payment.Event{Type: payment.Pending, PaymentID: capture, AmountMinor: 2000, Currency: "USD"}},
	{"paypal", "PAYMENT.CAPTURE.DENIED", paypalEvent("PAYMENT.CAPTURE.DENIED", fmt.Sprintf(paypalCapture, "DECLINED")), payment.Event{Type: payment.Failed, PaymentID: capture, AmountMinor: 2000, Currency: "USD"}},
	{"paypal", "PAYMENT.CAPTURE.DECLINED", paypalEvent("PAYMENT.CAPTURE.DECLINED", fmt.Sprintf(paypalCapture, "DECLINED")), payment.Event{Type: payment.Failed, PaymentID: capture, AmountMinor: 2000, Currency: "USD"}},
	{"paypal", "PAYMENT.CAPTURE.REFUNDED", paypalEvent("PAYMENT.CAPTURE.REFUNDED", fmt.Sprintf(paypalRefund, "COMPLETED", "5.00")), payment.Event{Type: payment.PartiallyRefunded, PaymentID: capture, AmountMinor: 500, Currency: "USD", RefundID: "1Y107995YT783435V", RefundStatus: payment.RefundSucceeded}},
	{"paypal", "PAYMENT.CAPTURE.REVERSED", paypalEvent("PAYMENT.CAPTURE.REVERSED", fmt.Sprintf(paypalRefund, "COMPLETED", "20.00")), payment.Event{Type: payment.Refunded, PaymentID: capture, AmountMinor: 500, Currency: "USD", RefundID: "1Y107995YT783435V", RefundStatus: payment.RefundSucceeded}},
	{"paypal", "PAYMENT.REFUND.PENDING", paypalEvent("PAYMENT.REFUND.PENDING", fmt.Sprintf(paypalRefund, "PENDING", "0.00")), payment.Event{Type: payment.RefundUpdated, PaymentID: capture, AmountMinor: 500, Currency: "USD", RefundID: "1Y107995YT783435V", RefundStatus: payment.RefundPending}},
	{"paypal", "PAYMENT.AUTHORIZATION.CREATED", paypalEvent("PAYMENT.AUTHORIZATION.CREATED", fmt.Sprintf(paypalAuth, "CREATED")), payment.Event{Type: payment.Pending, PaymentID: "0VF52814937998046", AmountMinor: 1000, Currency: "JPY"}},
	{"paypal", "PAYMENT.AUTHORIZATION.VOIDED", paypalEvent("PAYMENT.AUTHORIZATION.VOIDED", fmt.Sprintf(paypalAuth, "VOIDED")), payment.Event{Type: payment.Canceled, PaymentID: "0VF52814937998046", AmountMinor: 1000, Currency: "JPY"}},
	{"paypal", "CUSTOMER.DISPUTE.CREATED", paypalEvent("CUSTOMER.DISPUTE.CREATED", fmt.Sprintf(paypalDispute, "OPEN", "")), payment.Event{Type: payment.DisputeOpened, PaymentID: capture, AmountMinor: 2000, Currency: "USD", DisputeStatus: "OPEN"}},
	{"paypal", "CUSTOMER.DISPUTE.UPDATED", paypalEvent("CUSTOMER.DISPUTE.UPDATED", fmt.Sprintf(paypalDispute, "UNDER_REVIEW", "")), payment.Event{Type: payment.DisputeUpdated, PaymentID: capture, AmountMinor: 2000, Currency: "USD", DisputeStatus: "UNDER_REVIEW"}},
	{"paypal", "CUSTOMER.DISPUTE.RESOLVED", paypalEvent("CUSTOMER.DISPUTE.RESOLVED", fmt.Sprintf(paypalDispute, "RESOLVED", "RESOLVED_SELLER_FAVOUR")), payment.Event{Type: payment.DisputeClosed, PaymentID: capture, AmountMinor: 2000, Currency: "USD", DisputeStatus: "RESOLVED", DisputeOutcome: payment.DisputeWon}},
	{"paypal", "CHECKOUT.ORDER.APPROVED", paypalEvent("CHECKOUT.ORDER.APPROVED", `{"id":"5O190127TN364715T","status":"APPROVED","payer":{"email_address":"customer@example.com"}}`), payment.Event{Type: payment.Other, PaymentID: "5O190127TN364715T"}},
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

var squareMappings = []mapping{
	{"square", "payment.created", squareEvent("payment.created", "payment", fmt.Sprintf(squarePayment, "APPROVED")), payment.Event{Type: payment.Pending, PaymentID: squarePaymentID, AmountMinor: 2500, Currency: "USD"}},
	{"square", "payment.updated (COMPLETED)", squareEvent("payment.updated", "payment", fmt.Sprintf(squarePayment, "COMPLETED")), payment.Event{Type: payment.Succeeded, PaymentID: squarePaymentID, AmountMinor: 2500, Currency: "USD"}},
	{"square", "payment.updated (FAILED)", squareEvent("payment.updated", "payment", fmt.Sprintf(squarePayment, "FAILED")), payment.Event{Type: payment.Failed, PaymentID: squarePaymentID, AmountMinor: 2500, Currency: "USD"}},
	{"square", "payment.updated (CANCELED)", squareEvent("payment.updated", "payment", fmt.Sprintf(squarePayment, "CANCELED")), payment.Event{Type: payment.Canceled, PaymentID: squarePaymentID, AmountMinor: 2500, Currency: "USD"}},
	{"square", "refund.created", squareEvent("refund.created", "refund", fmt.Sprintf(squareRefund, "PENDING")), payment.Event{Type: payment.RefundUpdated, PaymentID: squarePaymentID, AmountMinor: 1000, Currency: "USD", RefundID: squareRefundID, RefundStatus: payment.RefundPending}},
	{"square", "refund.updated", squareEvent("refund.updated", "refund", fmt.Sprintf(squareRefund, "COMPLETED")), payment.Event{Type: payment.PartiallyRefunded, PaymentID: squarePaymentID, AmountMinor: 1000, Currency: "USD", RefundID: squareRefundID, RefundStatus: payment.RefundSucceeded}},
	{"square", "refund.updated (REJECTED)", squareEvent("refund.updated", "refund", fmt.Sprintf(squareRefund, "REJECTED")), payment.Event{Type: payment.RefundUpdated, PaymentID: squarePaymentID, AmountMinor: 1000, Currency: "USD", RefundID: squareRefundID, RefundStatus: payment.RefundFailed}},
	{"square", "dispute.created", squareEvent("dispute.created", "dispute", fmt.Sprintf(squareDispute, "EVIDENCE_REQUIRED")), payment.Event{Type: payment.DisputeOpened, PaymentID: squarePaymentID, AmountMinor: 2500, Currency: "USD", DisputeStatus: "EVIDENCE_REQUIRED"}},
	{"square", "dispute.state.updated", squareEvent("dispute.state.updated", "dispute", fmt.Sprintf(squareDispute, "WON")), payment.Event{Type: payment.DisputeClosed, PaymentID: squarePaymentID, AmountMinor: 2500, Currency: "USD", DisputeStatus: "WON", DisputeOutcome: payment.DisputeWon}},
	{"square", "dispute.state.changed", squareEvent("dispute.state.changed", "dispute", fmt.Sprintf(squareDispute, "PROCESSING")), payment.Event{Type: payment.DisputeUpdated, PaymentID: squarePaymentID, AmountMinor: 2500, Currency: "USD", DisputeStatus: "PROCESSING"}},
	{"square", "dispute.evidence.created", squareEvent("dispute.evidence.created", "dispute", fmt.Sprintf(squareDispute, "PROCESSING")), payment.Event{Type: payment.Other, PaymentID: squarePaymentID, AmountMinor: 2500, Currency: "USD", DisputeStatus: "PROCESSING"}},
}

var standardMappings = []mapping{
	{"standard", "payment.succeeded", `{"type":"payment.succeeded","timestamp":"2026-11-27T10:00:00Z","data":{"payment_id":"pay_9","amount":1234,"currency":"eur"}}`, payment.Event{Type: payment.Succeeded, PaymentID: "pay_9", AmountMinor: 1234, Currency: "EUR"}},
	{"standard", "invoice.paid", `{"type":"invoice.paid","timestamp":"2026-11-27T10:00:00Z","data":{"id":"in_1"}}`, payment.Event{Type: payment.Other}},
}

func TestNormalize(t *testing.T) {
	occurred := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for _, group := range [][]mapping{stripeMappings, paypalMappings, squareMappings, standardMappings} {
		for _, m := range group {
			t.Run(m.provider+" "+m.eventType, func(t *testing.T) {
				is := is.New(t)
				eventType, _, _ := strings.Cut(m.eventType, " (")
				got, err := payment.Normalize(payment.Delivery{Provider: m.provider, EventID: "evt-1", EventType: eventType, Body: []byte(m.body), OccurredAt: occurred})
				is.NoErr(err)
				want := m.want
				want.Provider, want.EventID, want.ProviderType, want.OccurredAt = m.provider, "evt-1", eventType, occurred
				is.Equal(got, want)
			})
		}
	}
}

func TestEveryProviderMapsAtLeastEightEventTypes(t *testing.T) {
	is := is.New(t)
	for _, group := range [][]mapping{stripeMappings, paypalMappings, squareMappings} {
		types := map[string]bool{}
		for _, m := range group {
			eventType, _, _ := strings.Cut(m.eventType, " (")
			if m.want.Type != payment.Other || strings.Contains(eventType, "dispute") || strings.HasPrefix(eventType, "refund") {
				types[eventType] = true
			}
		}
		is.True(len(types) >= 8)
	}
}

func TestUnprocessablePayloads(t *testing.T) {
	cases := []struct {
		name, provider, eventType, body string
	}{
		{"not JSON", "stripe", "charge.succeeded", `{`},
		{"PayPal amount with too many decimals", "paypal", "PAYMENT.CAPTURE.COMPLETED", paypalEvent("PAYMENT.CAPTURE.COMPLETED", `{"id":"C1","amount":{"currency_code":"USD","value":"20.001"}}`)},
		{"PayPal JPY with decimals", "paypal", "PAYMENT.CAPTURE.COMPLETED", paypalEvent("PAYMENT.CAPTURE.COMPLETED", `{"id":"C1","amount":{"currency_code":"JPY","value":"100.5"}}`)},
		{"PayPal negative amount", "paypal", "PAYMENT.CAPTURE.COMPLETED", paypalEvent("PAYMENT.CAPTURE.COMPLETED", `{"id":"C1","amount":{"currency_code":"USD","value":"-5.00"}}`)},
		{"payment event without a payment id", "stripe", "charge.succeeded", stripeEvent("charge.succeeded", `{"object":"charge","amount":100,"currency":"usd"}`)},
		{"currency not three letters", "standard", "payment.succeeded", `{"type":"payment.succeeded","data":{"payment_id":"p","amount":1,"currency":"EURO"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			_, err := payment.Normalize(payment.Delivery{Provider: tc.provider, EventID: "evt-1", EventType: tc.eventType, Body: []byte(tc.body), OccurredAt: time.Now()})
			is.True(errors.Is(err, payment.ErrUnprocessable))
			is.True(!strings.Contains(err.Error(), "20.001")) // reasons never quote the payload
		})
	}
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

func TestStandardSendersKeepTheirOwnPayments(t *testing.T) {
	is := is.New(t)
	body := `{"type":"payment.succeeded","data":{"payment_id":"pay_1","amount":2000,"currency":"EUR"}}`
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	acme, err := payment.Normalize(payment.Delivery{Provider: "standard:acme", EventID: "msg_1", EventType: "payment.succeeded", Body: []byte(body), OccurredAt: at})
	is.NoErr(err)
	billing, err := payment.Normalize(payment.Delivery{Provider: "standard:billing", EventID: "msg_1", EventType: "payment.succeeded", Body: []byte(body), OccurredAt: at})
	is.NoErr(err)
	is.Equal(acme.Provider, "standard:acme") // a payment is keyed by provider and id
	is.Equal(billing.Provider, "standard:billing")

	for _, name := range []string{"stripe:acme", "standard:", "adyen"} {
		_, err := payment.Normalize(payment.Delivery{Provider: name, EventID: "msg_1", EventType: "payment.succeeded", Body: []byte(body), OccurredAt: at})
		is.True(errors.Is(err, payment.ErrUnprocessable)) // only Standard senders are named
	}
}

func normalized(t *testing.T, provider, id, eventType, body string, at time.Duration) payment.Event {
	t.Helper()
	e, err := payment.Normalize(payment.Delivery{Provider: provider, EventID: id, EventType: eventType, Body: []byte(body), OccurredAt: t0.Add(at)})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Square sends refund.created, then refund.updated, sometimes twice, for
// one refund: it is refunded once.
func TestASquareRefundReportedThriceIsCountedOnce(t *testing.T) {
	is := is.New(t)
	s, _ := applyAll(
		normalized(t, "square", "e1", "payment.updated", squareEvent("payment.updated", "payment", fmt.Sprintf(squarePayment, "COMPLETED")), 0),
		normalized(t, "square", "e2", "refund.created", squareEvent("refund.created", "refund", fmt.Sprintf(squareRefund, "PENDING")), time.Second),
		normalized(t, "square", "e3", "refund.updated", squareEvent("refund.updated", "refund", fmt.Sprintf(squareRefund, "COMPLETED")), 2*time.Second),
		normalized(t, "square", "e4", "refund.updated", squareEvent("refund.updated", "refund", fmt.Sprintf(squareRefund, "COMPLETED")), 3*time.Second),
	)
	is.Equal(s.RefundedMinor, int64(1000))
	is.Equal(s.Status, payment.StatusPartiallyRefunded)
}

func TestASquareRefundBeforeItsPaymentEndsRefunded(t *testing.T) {
	is := is.New(t)
	full := `{"refund":{"id":"R1","payment_id":"KkAkhdMsgzn59SM8A89WgKwekxLZY","amount_money":{"amount":2500,"currency":"USD"},"status":"COMPLETED"}}`
	s, _ := applyAll(
		normalized(t, "square", "e2", "refund.updated", squareEvent("refund.updated", "refund", full), 2*time.Second),
		normalized(t, "square", "e1", "payment.updated", squareEvent("payment.updated", "payment", fmt.Sprintf(squarePayment, "COMPLETED")), time.Second),
	)
	is.Equal(s.Status, payment.StatusRefunded)
}

func TestADisputeUpdateNeverReopens(t *testing.T) {
	is := is.New(t)
	for _, provider := range []struct{ name, updated, body string }{
		{"stripe", "charge.dispute.updated", stripeEvent("charge.dispute.updated", fmt.Sprintf(stripeDispute, "under_review"))},
		{"paypal", "CUSTOMER.DISPUTE.UPDATED", paypalEvent("CUSTOMER.DISPUTE.UPDATED", fmt.Sprintf(paypalDispute, "UNDER_REVIEW", ""))},
	} {
		update := normalized(t, provider.name, "u", provider.updated, provider.body, 3*time.Second)
		is.Equal(update.Type, payment.DisputeUpdated)
		opened, closed := ev("o", payment.DisputeOpened, 2000, time.Second), ev("c", payment.DisputeClosed, 2000, 2*time.Second)
		opened.PaymentID, closed.PaymentID = update.PaymentID, update.PaymentID
		s, _ := applyAll(opened, closed, update)
		is.Equal(s.Dispute, payment.DisputeStateClosed)
	}
}
