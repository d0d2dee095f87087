package paypal

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
)

type development struct{}

func (development) EventTypes() []string {
	return []string{"PAYMENT.CAPTURE.COMPLETED", "PAYMENT.CAPTURE.PENDING", "PAYMENT.CAPTURE.DENIED", "PAYMENT.CAPTURE.DECLINED", "PAYMENT.CAPTURE.REFUNDED",
		"PAYMENT.CAPTURE.REVERSED", "PAYMENT.AUTHORIZATION.CREATED", "PAYMENT.AUTHORIZATION.VOIDED", "CUSTOMER.DISPUTE.CREATED", "CUSTOMER.DISPUTE.UPDATED", "CUSTOMER.DISPUTE.RESOLVED"}
}

// devSignerValidity outlives any development data directory.
const devSignerValidity = 5 * 365 * 24 * time.Hour

// Keys makes a webhook id and a development signer: PayPal signs with its
// own private key, which payhook never holds, so development deliveries are
// signed by a certificate authority made here, which only DevCerts trusts.
func (development) Keys(string) (map[string]string, error) {
	signer, err := NewDevSigner(time.Now(), devSignerValidity)
	if err != nil {
		return nil, err
	}
	encoded, err := signer.MarshalPEM()
	if err != nil {
		return nil, err
	}
	return map[string]string{WebhookID: provider.RandomID("WH-DEV-", 8), DevelopmentSigner: string(encoded)}, nil
}

func (development) Sign(body []byte, keys provider.Keys, m provider.Message) (provider.Delivery, error) {
	webhookID, encoded := keys.Value(WebhookID), keys.Value(DevelopmentSigner)
	if webhookID == "" || encoded == "" {
		return provider.Delivery{}, errNoDevSigner
	}
	signer, err := ParseDevSigner([]byte(encoded))
	if err != nil {
		return provider.Delivery{}, err
	}
	h, err := signer.Sign(body, webhookID, provider.RandomID("", 16), m.At)
	if err != nil {
		return provider.Delivery{}, err
	}
	h.Set("Content-Type", "application/json")
	return provider.Delivery{Header: h, Body: body}, nil
}

var errNoDevSigner = fmt.Errorf("%w: PayPal signs with its own private key, which payhook never holds; only the development signer of payhook serve's data directory can sign PayPal deliveries", provider.ErrNoSigningKey)

// DevCerts trusts the development signer in keys, and nothing else: what a
// development server verifies PayPal deliveries with. ok is false when
// keys hold no signer.
func DevCerts(keys provider.Keys) (certs *Certs, ok bool, err error) {
	encoded := keys.Value(DevelopmentSigner)
	if encoded == "" {
		return nil, false, nil
	}
	signer, err := ParseDevSigner([]byte(encoded))
	if err != nil {
		return nil, false, err
	}
	return signer.Certs(), true, nil
}

type obj = map[string]any

func (development) Sample(eventType string, o provider.SampleOptions) ([]byte, string, error) {
	o = o.Complete()
	id := cmp.Or(o.EventID, provider.RandomID("WH-", 8)+"-"+provider.RandomID("", 8))
	capture := cmp.Or(o.PaymentID, provider.RandomID("", 8))
	money := obj{"currency_code": o.Currency, "value": payment.FormatMinor(o.Amount, o.Currency)}
	links := []obj{{"href": "https://api.paypal.com/v2/payments/captures/" + capture, "rel": "self", "method": "GET"}}
	var resource obj
	resourceType := "capture"
	switch {
	case eventType == "PAYMENT.CAPTURE.REFUNDED" || eventType == "PAYMENT.CAPTURE.REVERSED":
		resourceType = "refund"
		refund := provider.RandomID("", 8)
		resource = obj{"id": refund, "status": "COMPLETED", "amount": money, "note_to_payer": "Refund for order 1042",
			"seller_payable_breakdown": obj{"gross_amount": money, "total_refunded_amount": money},
			"links":                    []obj{{"href": "https://api.paypal.com/v2/payments/refunds/" + refund, "rel": "self", "method": "GET"}, {"href": "https://api.paypal.com/v2/payments/captures/" + capture, "rel": "up", "method": "GET"}}}
	case strings.HasPrefix(eventType, "PAYMENT.AUTHORIZATION."):
		resourceType = "authorization"
		resource = obj{"id": capture, "status": cmp.Or(o.Status, strings.TrimPrefix(eventType, "PAYMENT.AUTHORIZATION.")), "amount": money, "links": links}
	case strings.HasPrefix(eventType, "CUSTOMER.DISPUTE."):
		resourceType = "dispute"
		resource = obj{"dispute_id": provider.RandomID("PP-D-", 4), "reason": "MERCHANDISE_OR_SERVICE_NOT_RECEIVED", "status": cmp.Or(o.Status, map[string]string{"CREATED": "OPEN", "UPDATED": "UNDER_REVIEW", "RESOLVED": "RESOLVED"}[strings.TrimPrefix(eventType, "CUSTOMER.DISPUTE.")]),
			"dispute_amount": money, "disputed_transactions": []obj{{"seller_transaction_id": capture, "buyer": obj{"name": "John Doe"}}}}
	case strings.HasPrefix(eventType, "PAYMENT.CAPTURE."):
		resource = obj{"id": capture, "status": cmp.Or(o.Status, strings.TrimPrefix(eventType, "PAYMENT.CAPTURE.")), "amount": money, "final_capture": true,
			"seller_protection": obj{"status": "ELIGIBLE"}, "links": links, "payee": obj{"email_address": "merchant@example.com"}}
	default:
		resourceType, resource = "payhook_sample", obj{}
	}
	return provider.SampleJSON(obj{"id": id, "event_version": "1.0", "create_time": o.At.Format(time.RFC3339), "resource_type": resourceType, "resource_version": "2.0",
		"event_type": eventType, "summary": "Payment event " + eventType, "resource": resource}, id)
}
