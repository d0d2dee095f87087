package square

import (
	"cmp"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/provider"
)

type development struct{}

func (development) EventTypes() []string {
	return []string{"payment.updated", "payment.created", "refund.created", "refund.updated", "dispute.created", "dispute.state.updated"}
}

func (development) Keys(baseURL string) (map[string]string, error) {
	return map[string]string{SignatureKeys: provider.RandomID("dev-square-", 11), NotificationURL: baseURL + "/webhook/" + Name}, nil
}

func (development) Sign(body []byte, keys provider.Keys, _ provider.Message) (provider.Delivery, error) {
	key, notificationURL := keys.Value(SignatureKeys), keys.Value(NotificationURL)
	if key == "" || notificationURL == "" {
		return provider.Delivery{}, provider.ErrNoSigningKey
	}
	h := provider.JSONHeader()
	h.Set(signatureHeader, Signature(body, key, notificationURL))
	return provider.Delivery{Header: h, Body: body}, nil
}

type obj = map[string]any

func (development) Sample(eventType string, o provider.SampleOptions) ([]byte, string, error) {
	o = o.Complete()
	id := cmp.Or(o.EventID, provider.RandomID("", 16))
	paymentID := cmp.Or(o.PaymentID, provider.RandomID("", 14))
	amount := obj{"amount": o.Amount, "currency": o.Currency}
	var dataType string
	var object obj
	switch {
	case strings.HasPrefix(eventType, "payment."):
		dataType = "payment"
		status := cmp.Or(o.Status, map[string]string{"payment.created": "APPROVED", "payment.updated": "COMPLETED"}[eventType])
		object = obj{"payment": obj{"id": paymentID, "amount_money": amount, "total_money": amount, "status": status, "source_type": "CARD",
			"card_details": obj{"card": obj{"card_brand": "VISA", "last_4": "1111"}}, "buyer_email_address": "buyer@example.com", "location_id": "L88917AVBK2S5"}}
	case strings.HasPrefix(eventType, "refund."):
		dataType = "refund"
		status := cmp.Or(o.Status, map[string]string{"refund.created": "PENDING", "refund.updated": "COMPLETED"}[eventType])
		object = obj{"refund": obj{"id": paymentID + "_" + provider.RandomID("", 4), "payment_id": paymentID, "amount_money": amount, "status": status, "reason": "Customer request"}}
	case strings.HasPrefix(eventType, "dispute."):
		dataType = "dispute"
		state := cmp.Or(o.Status, map[string]string{"dispute.created": "EVIDENCE_REQUIRED", "dispute.state.updated": "WON"}[eventType])
		object = obj{"dispute": obj{"id": provider.RandomID("", 10), "amount_money": amount, "reason": "NO_KNOWLEDGE", "state": state, "disputed_payment": obj{"payment_id": paymentID}}}
	default:
		dataType, object = "payhook_sample", obj{}
	}
	return provider.SampleJSON(obj{"merchant_id": "6SSW7HV8K2ST5", "type": eventType, "event_id": id, "created_at": o.At.Format(time.RFC3339Nano),
		"data": obj{"type": dataType, "id": paymentID, "object": object}}, id)
}
