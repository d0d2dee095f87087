package stripe

import (
	"cmp"
	"strings"

	"github.com/payhook/payhook/shared/provider"
)

type development struct{}

func (development) EventTypes() []string {
	return []string{"payment_intent.succeeded", "payment_intent.created", "payment_intent.processing", "payment_intent.payment_failed", "payment_intent.canceled",
		"charge.pending", "charge.succeeded", "charge.failed", "charge.refunded", "charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed"}
}

func (development) Keys(string) (map[string]string, error) {
	return map[string]string{SigningSecrets: provider.RandomID("whsec_dev_", 16)}, nil
}

func (development) Sign(body []byte, keys provider.Keys, m provider.Message) (provider.Delivery, error) {
	secret := keys.Value(SigningSecrets)
	if secret == "" {
		return provider.Delivery{}, provider.ErrNoSigningKey
	}
	h := provider.JSONHeader()
	h.Set(signatureHeader, Signature(body, secret, m.At))
	return provider.Delivery{Header: h, Body: body}, nil
}

type obj = map[string]any

func (development) Sample(eventType string, o provider.SampleOptions) ([]byte, string, error) {
	o = o.Complete()
	id := cmp.Or(o.EventID, provider.RandomID("evt_", 12))
	pi := cmp.Or(o.PaymentID, provider.RandomID("pi_", 12))
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
			"customer": "cus_NffrFeUfNV2Hib", "receipt_email": "jenny.rosen@example.com", "latest_charge": provider.RandomID("ch_", 12)}
	case strings.HasPrefix(eventType, "charge.dispute."):
		status := map[string]string{"created": "needs_response", "updated": "under_review", "closed": "won"}[strings.TrimPrefix(eventType, "charge.dispute.")]
		object = obj{"id": provider.RandomID("dp_", 12), "object": "dispute", "amount": o.Amount, "currency": currency, "charge": provider.RandomID("ch_", 12), "payment_intent": pi, "reason": "fraudulent", "status": cmp.Or(o.Status, status)}
	case strings.HasPrefix(eventType, "charge."):
		refunded := eventType == "charge.refunded"
		var amountRefunded int64
		if refunded {
			amountRefunded = o.Amount
		}
		status := map[string]string{"charge.pending": "pending", "charge.failed": "failed"}[eventType]
		object = obj{"id": provider.RandomID("ch_", 12), "object": "charge", "amount": o.Amount, "amount_refunded": amountRefunded, "refunded": refunded, "currency": currency,
			"payment_intent": pi, "status": cmp.Or(o.Status, status, "succeeded"),
			"billing_details":        obj{"name": "Jenny Rosen", "email": "jenny.rosen@example.com"},
			"payment_method_details": obj{"type": "card", "card": obj{"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030}}}
	default:
		object = obj{"id": id, "object": "payhook_sample"}
	}
	return provider.SampleJSON(obj{"id": id, "object": "event", "api_version": "2024-06-20", "created": o.At.Unix(), "livemode": false, "pending_webhooks": 1,
		"request": obj{"id": provider.RandomID("req_", 7), "idempotency_key": provider.RandomID("", 8)}, "type": eventType, "data": obj{"object": object}}, id)
}
