package adyen

import (
	"cmp"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/payhook/payhook/shared/provider"
)

type development struct{}

func (development) EventTypes() []string {
	return []string{"AUTHORISATION", "CAPTURE", "CAPTURE_FAILED", "CANCELLATION", "CANCEL_OR_REFUND", "REFUND", "REFUND_FAILED", "REFUNDED_REVERSED",
		"OFFER_CLOSED", "EXPIRE", "NOTIFICATION_OF_CHARGEBACK", "CHARGEBACK", "SECOND_CHARGEBACK", "INFORMATION_SUPPLIED", "CHARGEBACK_REVERSED",
		"PREARBITRATION_WON", "PREARBITRATION_LOST"}
}

// Keys are a 32-byte HMAC key, as the Customer Area generates, and Basic
// authentication, which Adyen recommends beside it.
func (development) Keys(string) (map[string]string, error) {
	return map[string]string{HMACKeys: provider.RandomID("", 32), BasicAuth: "payhook-dev:" + provider.RandomID("", 12)}, nil
}

// Sign returns the delivery as Adyen sends it: each item's
// additionalData.hmacSignature set with the first HMAC key, so the body is
// signed anew; and the Authorization header when Basic authentication is
// configured.
func (development) Sign(body []byte, keys provider.Keys, _ provider.Message) (provider.Delivery, error) {
	hexKey := keys.Value(HMACKeys)
	if hexKey == "" {
		return provider.Delivery{}, provider.ErrNoSigningKey
	}
	key, err := hex.DecodeString(hexKey)
	if err != nil {
		return provider.Delivery{}, fmt.Errorf("%s: not hex", HMACKeys)
	}
	signed, err := signItems(body, key)
	if err != nil {
		return provider.Delivery{}, err
	}
	h := provider.JSONHeader()
	if credentials := keys.Value(BasicAuth); credentials != "" {
		h.Set(authorizationHeader, basicAuthorization(credentials))
	}
	return provider.Delivery{Header: h, Body: signed}, nil
}

// signItems sets every item's hmacSignature. Values are carried over as
// their JSON bytes, so an amount keeps its digits.
func signItems(body, key []byte) ([]byte, error) {
	var envelope map[string]json.RawMessage
	var wrappers []map[string]json.RawMessage
	if json.Unmarshal(body, &envelope) != nil || json.Unmarshal(envelope[itemsKey], &wrappers) != nil {
		return nil, fmt.Errorf("sign: %w", errNotAnItem)
	}
	for _, w := range wrappers {
		it, err := readItem(w[itemKey])
		if err != nil {
			return nil, fmt.Errorf("sign: %w", err)
		}
		var fields, additional map[string]json.RawMessage
		if json.Unmarshal(it.body, &fields) != nil || !object(fields["additionalData"], &additional) {
			return nil, fmt.Errorf("sign: %w", errNotAnItem)
		}
		if additional == nil {
			additional = map[string]json.RawMessage{}
		}
		if additional["hmacSignature"], err = json.Marshal(base64.StdEncoding.EncodeToString(mac(key, []byte(it.signed())))); err != nil {
			return nil, err
		}
		if fields["additionalData"], err = json.Marshal(additional); err != nil {
			return nil, err
		}
		if w[itemKey], err = json.Marshal(fields); err != nil {
			return nil, err
		}
	}
	var err error
	if envelope[itemsKey], err = json.Marshal(wrappers); err != nil {
		return nil, err
	}
	return json.Marshal(envelope)
}

// object reads an optional object: absent or null leaves into nil.
func object(raw json.RawMessage, into *map[string]json.RawMessage) bool {
	return isNull(raw) || json.Unmarshal(raw, into) == nil
}

type obj = map[string]any

// aboutThePayment are the codes whose pspReference is the payment's own;
// every other code's names a modification or a dispute, and its
// originalReference the payment.
var aboutThePayment = map[string]bool{"AUTHORISATION": true, "OFFER_CLOSED": true, "EXPIRE": true}

// failureReasons are the reason Adyen gives with each failure.
var failureReasons = map[string]string{
	"AUTHORISATION":  "Refused",
	"CAPTURE":        "Insufficient balance on payment",
	"CAPTURE_FAILED": "Capture Failed",
	"REFUND":         "Transaction hasn't been captured, refund not possible",
	"REFUND_FAILED":  "Refund Failed",
}

// amsterdam is the offset Adyen's examples write eventDate with.
var amsterdam = time.FixedZone("CET", 60*60)

// Sample is a delivery of one item, success "true" unless o.Status is
// "false". Its pspReference is the payment's (o.PaymentID) for the codes
// about the payment, and else o.EventID or a fresh one, the payment being
// the originalReference. The item is not signed yet: Sign signs it.
func (development) Sample(eventType string, o provider.SampleOptions) ([]byte, string, error) {
	o = o.Complete()
	success := "true"
	if o.Status == "false" {
		success = "false"
	}
	psp, original := cmp.Or(o.EventID, provider.RandomID("", 8)), o.PaymentID
	switch {
	case aboutThePayment[eventType]:
		psp, original = cmp.Or(o.PaymentID, psp), ""
	case slices.Contains(development{}.EventTypes(), eventType):
		original = cmp.Or(original, provider.RandomID("", 8))
	}
	additional := obj{"paymentMethodVariant": "visa", "shopperEmail": "sofia.jansen@example.com", "shopperReference": "shopper-4711"}
	reason := ""
	if success == "false" {
		reason = cmp.Or(failureReasons[eventType], "Refused")
	}
	switch {
	case eventType == "AUTHORISATION":
		additional["authCode"], additional["cardSummary"], additional["expiryDate"], additional["cardHolderName"] = "052095", "1111", "03/2030", "Sofia Jansen"
		additional["checkout.cardAddedBrand"] = "visa"
		if success == "true" {
			reason = "052095:1111:03/2030"
		}
	case eventType == "CANCEL_OR_REFUND":
		additional["modification.action"] = "refund"
	case eventType == "CAPTURE_FAILED" || eventType == "REFUND_FAILED":
		reason = failureReasons[eventType]
	case disputes[eventType].t != "":
		additional["chargebackReasonCode"], additional["chargebackSchemeCode"], additional["defendable"] = "10.4", "visa", "true"
		additional["defensePeriodEndsAt"] = o.At.Add(20 * 24 * time.Hour).In(amsterdam).Format(time.RFC3339)
		reason = "Other Fraud-Card Absent Environment"
	}
	notification := obj{
		"additionalData":      additional,
		"amount":              obj{"currency": o.Currency, "value": o.Amount},
		"eventCode":           eventType,
		"eventDate":           o.At.In(amsterdam).Format(time.RFC3339),
		"merchantAccountCode": "PayhookExampleECOM",
		"merchantReference":   "order-" + provider.RandomID("", 4),
		"paymentMethod":       "visa",
		"pspReference":        psp,
		"reason":              reason,
		"success":             success,
	}
	if original != "" {
		notification["originalReference"] = original
	}
	if eventType == "AUTHORISATION" {
		notification["operations"] = []string{"CANCEL", "CAPTURE", "REFUND"}
	}
	return provider.SampleJSON(obj{"live": "false", itemsKey: []obj{{itemKey: notification}}}, eventID(psp, eventType, success, original))
}
