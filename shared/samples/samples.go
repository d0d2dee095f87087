// Package samples builds realistic webhook payloads, shaped like each
// provider's documented examples, for `payhook send`, `payhook demo` and
// `payhook bench`. They carry the personal data real ones do (names,
// emails), so what payhook keeps out of logs is exercised too.
package samples

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/payment"
)

// Options shape one payload; zero values get realistic defaults.
type Options struct {
	EventID   string
	PaymentID string
	Amount    int64  // minor units
	Currency  string // ISO 4217
	// Status overrides the status Square (or PayPal) states in the object.
	Status string
	At     time.Time
}

// EventTypes lists, per provider, the event types Build knows.
var EventTypes = map[string][]string{
	"stripe": {"payment_intent.created", "payment_intent.processing", "payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled",
		"charge.pending", "charge.succeeded", "charge.failed", "charge.refunded", "charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed"},
	"paypal": {"PAYMENT.CAPTURE.COMPLETED", "PAYMENT.CAPTURE.PENDING", "PAYMENT.CAPTURE.DENIED", "PAYMENT.CAPTURE.DECLINED", "PAYMENT.CAPTURE.REFUNDED",
		"PAYMENT.CAPTURE.REVERSED", "PAYMENT.AUTHORIZATION.CREATED", "PAYMENT.AUTHORIZATION.VOIDED", "CUSTOMER.DISPUTE.CREATED", "CUSTOMER.DISPUTE.UPDATED", "CUSTOMER.DISPUTE.RESOLVED"},
	"square":   {"payment.created", "payment.updated", "refund.created", "refund.updated", "dispute.created", "dispute.state.updated"},
	"standard": {"payment.succeeded", "payment.failed", "payment.pending", "payment.canceled", "payment.refunded", "payment.partially_refunded", "dispute.opened", "dispute.closed"},
}

// Build returns the payload and its event id.
func Build(provider, eventType string, o Options) ([]byte, string, error) {
	types, ok := EventTypes[provider]
	if !ok {
		return nil, "", fmt.Errorf("unknown provider %q (stripe, paypal, square, standard)", provider)
	}
	if !slices.Contains(types, eventType) {
		return nil, "", fmt.Errorf("%s event types payhook can send: %s", provider, strings.Join(types, ", "))
	}
	if o.Amount == 0 {
		o.Amount = 2000
	}
	if o.Currency == "" {
		o.Currency = "USD"
	}
	o.Currency = strings.ToUpper(o.Currency)
	if o.At.IsZero() {
		o.At = time.Now().UTC()
	}
	builders := map[string]func(string, Options) (any, string){"stripe": stripe, "paypal": paypal, "square": square, "standard": standard}
	payload, id := builders[provider](eventType, o)
	body, err := json.Marshal(payload)
	return body, id, err
}

func random(prefix string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return prefix + strings.ToUpper(hex.EncodeToString(b))
}

type obj = map[string]any

func stripe(eventType string, o Options) (any, string) {
	id := cmp.Or(o.EventID, random("evt_", 12))
	pi := cmp.Or(o.PaymentID, random("pi_", 12))
	currency := strings.ToLower(o.Currency)
	var object obj
	switch {
	case strings.HasPrefix(eventType, "payment_intent."):
		status := map[string]string{"created": "requires_payment_method", "processing": "processing", "succeeded": "succeeded", "payment_failed": "requires_payment_method", "canceled": "canceled"}[strings.TrimPrefix(eventType, "payment_intent.")]
		received := int64(0)
		if status == "succeeded" {
			received = o.Amount
		}
		object = obj{"id": pi, "object": "payment_intent", "amount": o.Amount, "amount_received": received, "currency": currency, "status": status,
			"customer": "cus_NffrFeUfNV2Hib", "receipt_email": "jenny.rosen@example.com", "latest_charge": random("ch_", 12)}
	case strings.HasPrefix(eventType, "charge.dispute."):
		status := map[string]string{"created": "needs_response", "updated": "under_review", "closed": "won"}[strings.TrimPrefix(eventType, "charge.dispute.")]
		object = obj{"id": random("dp_", 12), "object": "dispute", "amount": o.Amount, "currency": currency, "charge": random("ch_", 12), "payment_intent": pi, "reason": "fraudulent", "status": status}
	default:
		refunded := eventType == "charge.refunded"
		var amountRefunded int64
		if refunded {
			amountRefunded = o.Amount
		}
		status := map[string]string{"charge.pending": "pending", "charge.failed": "failed"}[eventType]
		object = obj{"id": random("ch_", 12), "object": "charge", "amount": o.Amount, "amount_refunded": amountRefunded, "refunded": refunded, "currency": currency,
			"payment_intent": pi, "status": cmp.Or(status, "succeeded"),
			"billing_details":        obj{"name": "Jenny Rosen", "email": "jenny.rosen@example.com"},
			"payment_method_details": obj{"type": "card", "card": obj{"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030}}}
	}
	return obj{"id": id, "object": "event", "api_version": "2024-06-20", "created": o.At.Unix(), "livemode": false, "pending_webhooks": 1,
		"request": obj{"id": random("req_", 7), "idempotency_key": random("", 8)}, "type": eventType, "data": obj{"object": object}}, id
}

func paypal(eventType string, o Options) (any, string) {
	id := cmp.Or(o.EventID, random("WH-", 8)+"-"+random("", 8))
	capture := cmp.Or(o.PaymentID, random("", 8))
	money := obj{"currency_code": o.Currency, "value": payment.FormatMinor(o.Amount, o.Currency)}
	links := []obj{{"href": "https://api.paypal.com/v2/payments/captures/" + capture, "rel": "self", "method": "GET"}}
	var resource obj
	resourceType := "capture"
	switch {
	case eventType == "PAYMENT.CAPTURE.REFUNDED" || eventType == "PAYMENT.CAPTURE.REVERSED":
		resourceType = "refund"
		refund := random("", 8)
		resource = obj{"id": refund, "status": "COMPLETED", "amount": money, "note_to_payer": "Refund for order 1042",
			"seller_payable_breakdown": obj{"gross_amount": money, "total_refunded_amount": money},
			"links":                    []obj{{"href": "https://api.paypal.com/v2/payments/refunds/" + refund, "rel": "self", "method": "GET"}, {"href": "https://api.paypal.com/v2/payments/captures/" + capture, "rel": "up", "method": "GET"}}}
	case strings.HasPrefix(eventType, "PAYMENT.AUTHORIZATION."):
		resourceType = "authorization"
		resource = obj{"id": capture, "status": cmp.Or(o.Status, strings.TrimPrefix(eventType, "PAYMENT.AUTHORIZATION.")), "amount": money, "links": links}
	case strings.HasPrefix(eventType, "CUSTOMER.DISPUTE."):
		resourceType = "dispute"
		resource = obj{"dispute_id": random("PP-D-", 4), "reason": "MERCHANDISE_OR_SERVICE_NOT_RECEIVED", "status": cmp.Or(o.Status, map[string]string{"CREATED": "OPEN", "UPDATED": "UNDER_REVIEW", "RESOLVED": "RESOLVED"}[strings.TrimPrefix(eventType, "CUSTOMER.DISPUTE.")]),
			"dispute_amount": money, "disputed_transactions": []obj{{"seller_transaction_id": capture, "buyer": obj{"name": "John Doe"}}}}
	default:
		resource = obj{"id": capture, "status": cmp.Or(o.Status, strings.TrimPrefix(eventType, "PAYMENT.CAPTURE.")), "amount": money, "final_capture": true,
			"seller_protection": obj{"status": "ELIGIBLE"}, "links": links, "payee": obj{"email_address": "merchant@example.com"}}
	}
	return obj{"id": id, "event_version": "1.0", "create_time": o.At.Format(time.RFC3339), "resource_type": resourceType, "resource_version": "2.0",
		"event_type": eventType, "summary": "Payment event " + eventType, "resource": resource}, id
}

func square(eventType string, o Options) (any, string) {
	id := cmp.Or(o.EventID, random("", 16))
	paymentID := cmp.Or(o.PaymentID, random("", 14))
	money := obj{"amount": o.Amount, "currency": o.Currency}
	var dataType string
	var object obj
	switch {
	case strings.HasPrefix(eventType, "payment."):
		dataType = "payment"
		status := cmp.Or(o.Status, map[string]string{"payment.created": "APPROVED", "payment.updated": "COMPLETED"}[eventType])
		object = obj{"payment": obj{"id": paymentID, "amount_money": money, "total_money": money, "status": status, "source_type": "CARD",
			"card_details": obj{"card": obj{"card_brand": "VISA", "last_4": "1111"}}, "buyer_email_address": "buyer@example.com", "location_id": "L88917AVBK2S5"}}
	case strings.HasPrefix(eventType, "refund."):
		dataType = "refund"
		status := cmp.Or(o.Status, map[string]string{"refund.created": "PENDING", "refund.updated": "COMPLETED"}[eventType])
		object = obj{"refund": obj{"id": paymentID + "_" + random("", 4), "payment_id": paymentID, "amount_money": money, "status": status, "reason": "Customer request"}}
	default:
		dataType = "dispute"
		state := cmp.Or(o.Status, map[string]string{"dispute.created": "EVIDENCE_REQUIRED", "dispute.state.updated": "WON"}[eventType])
		object = obj{"dispute": obj{"id": random("", 10), "amount_money": money, "reason": "NO_KNOWLEDGE", "state": state, "disputed_payment": obj{"payment_id": paymentID}}}
	}
	return obj{"merchant_id": "6SSW7HV8K2ST5", "type": eventType, "event_id": id, "created_at": o.At.Format(time.RFC3339Nano),
		"data": obj{"type": dataType, "id": paymentID, "object": object}}, id
}

func standard(eventType string, o Options) (any, string) {
	id := cmp.Or(o.EventID, random("msg_", 12))
	return obj{"type": eventType, "timestamp": o.At.Format(time.RFC3339Nano),
		"data": obj{"payment_id": cmp.Or(o.PaymentID, random("pay_", 10)), "amount": o.Amount, "currency": o.Currency, "customer": obj{"email": "jenny.rosen@example.com"}}}, id
}
