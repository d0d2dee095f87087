package checkout

import (
	"cmp"
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/provider"
)

type development struct{}

func (development) EventTypes() []string {
	return []string{"payment_captured", "payment_approved", "payment_declined", "payment_voided", "payment_refunded", "payment_refund_declined",
		"dispute_evidence_required", "dispute_won", "dispute_lost"}
}

func (development) Keys(string) (map[string]string, error) {
	return map[string]string{SignatureKeys: provider.RandomID("dev-checkout-", 16), AuthorizationKeys: provider.RandomID("dev-checkout-auth-", 16)}, nil
}

func (development) Sign(body []byte, keys provider.Keys, _ provider.Message) (provider.Delivery, error) {
	key := keys.Value(SignatureKeys)
	if key == "" {
		return provider.Delivery{}, provider.ErrNoSigningKey
	}
	h := provider.JSONHeader()
	h.Set(signatureHeader, Signature(body, key))
	if authorization := keys.Value(AuthorizationKeys); authorization != "" {
		h.Set(authorizationHeader, authorization)
	}
	return provider.Delivery{Header: h, Body: body}, nil
}

// checkoutID is prefix and 26 lower-case base32 characters, the shape of
// Checkout.com's ids (evt_m4dpgk7o3xtedhv3diloora7w4).
func checkoutID(prefix string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// createdOn is Checkout.com's time format: UTC with seven fractional digits.
const createdOn = "2006-01-02T15:04:05.0000000Z"

// declines are the response of a declined action in Checkout.com's
// examples; every other action was approved.
var declines = map[string][2]string{
	"payment_declined":         {"20005", "Declined - Do Not Honour"},
	"payment_capture_declined": {"20005", "Declined - Do Not Honour"},
	"payment_refund_declined":  {"20006", "Error / Invalid Request Parameters"},
}

type obj = map[string]any

// Sample builds an event shaped like Checkout.com's documented examples.
// Its events state no status beside their type, so SampleOptions.Status
// has nothing to override.
func (development) Sample(eventType string, o provider.SampleOptions) ([]byte, string, error) {
	o = o.Complete()
	id := cmp.Or(o.EventID, checkoutID("evt_"))
	paymentID := cmp.Or(o.PaymentID, checkoutID("pay_"))
	const api = "https://api.sandbox.checkout.com"
	var data obj
	links := obj{"self": obj{"href": api + "/workflows/events/" + id}}
	switch {
	case strings.HasPrefix(eventType, "payment_"):
		data = paymentAction(eventType, paymentID, o)
		links["payment"] = obj{"href": api + "/payments/" + paymentID}
	case strings.HasPrefix(eventType, "dispute_"):
		disputeID := checkoutID("dsp_")
		data = obj{"id": disputeID, "date": o.At.UTC().Format(createdOn), "category": "fraudulent", "amount": o.Amount, "currency": o.Currency,
			"reason_code": "10.4", "payment_id": paymentID, "payment_action_id": checkoutID("act_"), "payment_reference": "ORD-5023-4E89", "payment_method": "VISA"}
		if eventType == "dispute_evidence_required" {
			data["evidence_required_by"] = o.At.UTC().AddDate(0, 0, 7).Format(time.RFC3339)
		}
		links["subject"] = obj{"href": api + "/workflows/events/subject/" + disputeID}
	default:
		data = obj{}
	}
	return provider.SampleJSON(obj{"id": id, "type": eventType, "version": "1.0.29", "created_on": o.At.UTC().Format(createdOn), "data": data, "_links": links}, id)
}

func paymentAction(eventType, paymentID string, o provider.SampleOptions) obj {
	response := [2]string{"10000", "Approved"}
	if declined, ok := declines[eventType]; ok {
		response = declined
	}
	var authorized, captured, refunded int64
	switch eventType {
	case "payment_captured", "payment_refund_declined":
		authorized, captured = o.Amount, o.Amount
	case "payment_refunded":
		authorized, captured, refunded = o.Amount, o.Amount, o.Amount
	case "payment_approved", "payment_voided":
		authorized = o.Amount
	}
	voided := int64(0)
	if eventType == "payment_voided" {
		voided = o.Amount
	}
	return obj{"id": paymentID, "action_id": checkoutID("act_"), "reference": "ORD-5023-4E89", "amount": o.Amount, "currency": o.Currency,
		"processed_on": o.At.UTC().Add(-2 * time.Second).Format(createdOn), "response_code": response[0], "response_summary": response[1],
		"customer": obj{"id": checkoutID("cus_"), "email": "john.smith@example.com", "name": "John Smith"},
		"source":   obj{"id": checkoutID("src_"), "type": "card", "scheme": "VISA", "last_4": "4242", "bin": "424242", "expiry_month": 6, "expiry_year": 2030, "name": "John Smith"},
		"balances": obj{"total_authorized": authorized, "total_voided": voided, "available_to_void": authorized - voided - captured,
			"total_captured": captured, "available_to_capture": authorized - voided - captured, "total_refunded": refunded, "available_to_refund": captured - refunded},
		"metadata": obj{"coupon_code": "NY2018", "partner_id": "123989"}}
}
