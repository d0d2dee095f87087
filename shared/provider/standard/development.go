package standard

import (
	"cmp"
	"encoding/base64"
	"strconv"
	"time"

	"github.com/payhook/payhook/shared/provider"
)

type development struct{}

func (development) EventTypes() []string {
	return []string{"payment.succeeded", "payment.failed", "payment.pending", "payment.canceled", "payment.refunded", "payment.partially_refunded", "dispute.opened", "dispute.closed"}
}

func (development) Keys(string) (map[string]string, error) {
	secret := provider.RandomID("", 24)
	return map[string]string{Secrets: secretPrefix + base64.StdEncoding.EncodeToString([]byte(secret))}, nil
}

// Sign signs with the first whsec_ secret; public keys only verify.
func (development) Sign(body []byte, keys provider.Keys, m provider.Message) (provider.Delivery, error) {
	for _, key := range keys.List(Secrets) {
		signature, err := Signature(body, key, m.EventID, m.At)
		if err != nil {
			continue
		}
		h := provider.JSONHeader()
		h.Set(idHeader, m.EventID)
		h.Set(timestampHeader, strconv.FormatInt(m.At.Unix(), 10))
		h.Set(signatureHeader, signature)
		return provider.Delivery{Header: h, Body: body}, nil
	}
	return provider.Delivery{}, provider.ErrNoSigningKey
}

type obj = map[string]any

// Sample follows the convention normalize reads: canonical type names, and
// the payment in data. The event id travels in the webhook-id header.
func (development) Sample(eventType string, o provider.SampleOptions) ([]byte, string, error) {
	o = o.Complete()
	id := cmp.Or(o.EventID, provider.RandomID("msg_", 12))
	return provider.SampleJSON(obj{"type": eventType, "timestamp": o.At.Format(time.RFC3339Nano),
		"data": obj{"payment_id": cmp.Or(o.PaymentID, provider.RandomID("pay_", 10)), "amount": o.Amount, "currency": o.Currency, "customer": obj{"email": "jenny.rosen@example.com"}}}, id)
}
