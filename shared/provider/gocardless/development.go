package gocardless

import (
	"cmp"
	"strings"

	"github.com/payhook/payhook/shared/provider"
)

type development struct{}

func (development) EventTypes() []string {
	return []string{"payments.confirmed", "payments.created", "payments.failed", "payments.cancelled", "payments.charged_back",
		"payments.chargeback_settled", "refunds.created", "refunds.paid", "mandates.active", "subscriptions.created"}
}

func (development) Keys(string) (map[string]string, error) {
	return map[string]string{WebhookSecrets: provider.RandomID("", 24)}, nil
}

func (development) Sign(body []byte, keys provider.Keys, _ provider.Message) (provider.Delivery, error) {
	secret := keys.Value(WebhookSecrets)
	if secret == "" {
		return provider.Delivery{}, provider.ErrNoSigningKey
	}
	h := provider.JSONHeader()
	h.Set(signatureHeader, Signature(body, secret))
	h.Set("Origin", "https://api.gocardless.com")
	h.Set("User-Agent", "gocardless-webhook-service/1.2")
	return provider.Delivery{Header: h, Body: body}, nil
}

type obj = map[string]any

// The details GoCardless gives each sampled action: who did it, and why.
var details = map[string]obj{
	"payments.confirmed":          {"origin": "gocardless", "cause": "payment_confirmed", "description": "Enough time has passed since the payment was submitted for the banks to return an error, so this payment is now confirmed."},
	"payments.created":            {"origin": "api", "cause": "payment_created", "description": "Payment created via the API."},
	"payments.failed":             {"origin": "bank", "cause": "insufficient_funds", "scheme": "bacs", "reason_code": "ARUDD-0", "description": "The customer's account had insufficient funds to make this payment.", "will_attempt_retry": false},
	"payments.cancelled":          {"origin": "api", "cause": "payment_cancelled", "description": "The payment was cancelled."},
	"payments.charged_back":       {"origin": "bank", "cause": "authorisation_disputed", "scheme": "bacs", "reason_code": "ADDACS-1", "description": "The customer has disputed that the amount taken differs from the amount they were notified of."},
	"payments.chargeback_settled": {"origin": "gocardless", "cause": "chargeback_settled", "description": "The chargeback has been deducted from a payout."},
	"refunds.created":             {"origin": "api", "cause": "payment_refunded", "description": "The refund has been created, and will be submitted in the next batch."},
	"refunds.paid":                {"origin": "gocardless", "cause": "refund_paid", "description": "The refund has been paid to your customer."},
	"mandates.active":             {"origin": "gocardless", "cause": "mandate_activated", "description": "The time window after submission for the banks to refuse a mandate has ended without any errors being received, so this mandate is now active."},
	"subscriptions.created":       {"origin": "api", "cause": "subscription_created", "description": "Subscription created via the API."},
}

// Sample is a delivery of one event, as GoCardless sends them: no amount,
// links to the resources it is about, the merchant's own metadata.
func (development) Sample(eventType string, o provider.SampleOptions) ([]byte, string, error) {
	o = o.Complete()
	id := cmp.Or(o.EventID, provider.RandomID("EV", 7))
	paymentID := cmp.Or(o.PaymentID, provider.RandomID("PM", 7))
	resource, action, _ := strings.Cut(eventType, ".")
	mandate := provider.RandomID("MD", 7)
	var links obj
	switch resource {
	case "payments":
		links = obj{"payment": paymentID, "mandate": mandate}
	case "refunds":
		links = obj{"refund": provider.RandomID("RF", 7), "payment": paymentID, "mandate": mandate}
	case "mandates":
		links = obj{"mandate": mandate, "customer": provider.RandomID("CU", 7)}
	case "subscriptions":
		links = obj{"subscription": provider.RandomID("SB", 7), "mandate": mandate}
	default:
		links = obj{}
	}
	detail, known := details[eventType]
	if !known {
		detail = obj{"origin": "gocardless", "cause": action, "description": "A sample event."}
	}
	event := obj{
		// GoCardless writes times in UTC, to the millisecond.
		"id": id, "created_at": o.At.UTC().Format("2006-01-02T15:04:05.000Z07:00"), "resource_type": resource, "action": action, "links": links,
		"details":           detail,
		"metadata":          obj{},
		"resource_metadata": obj{"order": "1042", "customer_email": "jenny.rosen@example.com"},
	}
	return provider.SampleJSON(obj{"events": []obj{event}, "meta": obj{"webhook_id": provider.RandomID("WB", 7)}}, id)
}
