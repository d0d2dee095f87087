package adyen_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/providertest"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/adyen"
)

func TestContract(t *testing.T) {
	providertest.Run(t, adyen.Provider, providertest.Contract{SignsInBody: true, Types: map[string]payment.Type{
		"AUTHORISATION": payment.Succeeded, "CAPTURE": payment.Succeeded, "CAPTURE_FAILED": payment.Failed, "CANCELLATION": payment.Canceled,
		"CANCEL_OR_REFUND": payment.PartiallyRefunded, "REFUND": payment.PartiallyRefunded, "REFUND_FAILED": payment.RefundUpdated,
		"REFUNDED_REVERSED": payment.RefundUpdated, "OFFER_CLOSED": payment.Canceled, "EXPIRE": payment.Canceled,
		"NOTIFICATION_OF_CHARGEBACK": payment.DisputeOpened, "CHARGEBACK": payment.DisputeOpened, "SECOND_CHARGEBACK": payment.DisputeOpened,
		"INFORMATION_SUPPLIED": payment.DisputeUpdated, "CHARGEBACK_REVERSED": payment.DisputeClosed, "PREARBITRATION_WON": payment.DisputeClosed,
		"PREARBITRATION_LOST": payment.DisputeClosed,
	}})
}

func TestPublishedVectors(t *testing.T) {
	providertest.RunVectors(t, adyen.Provider, provider.Config{}, "testdata/vectors.json")
}

func TestDescriptor(t *testing.T) {
	is := is.New(t)
	is.Equal(adyen.Provider.Redelivery, 30*24*time.Hour) // Adyen retries for up to 30 days
	is.Equal(*adyen.Provider.Acknowledgement, provider.Acknowledgement{ContentType: "text/plain", Body: []byte("[accepted]")})
	is.Equal(adyen.Verifier{}.SignatureHeaders(), nil) // Authorization is a password: never kept
}

func TestSettingsChecks(t *testing.T) {
	const key = "74F490DD33F7327BAECC88B2947C011FC02D014A473AAA33A8EC93E4DC069174"
	for _, tc := range []struct {
		name string
		keys provider.Keys
		ok   bool
	}{
		{"a hex key", provider.Keys{adyen.HMACKeys: {key}}, true},
		{"lower-case hex", provider.Keys{adyen.HMACKeys: {strings.ToLower(key)}}, true},
		{"two keys and Basic authentication", provider.Keys{adyen.HMACKeys: {key, key}, adyen.BasicAuth: {"ws@Company.Payhook:s3cret"}}, true},
		{"not hex", provider.Keys{adyen.HMACKeys: {"not-a-hex-key-zz"}}, false},
		{"odd length", provider.Keys{adyen.HMACKeys: {key[1:]}}, false},
		{"Basic authentication without a colon", provider.Keys{adyen.HMACKeys: {key}, adyen.BasicAuth: {"just-a-password"}}, false},
		{"Basic authentication alone", provider.Keys{adyen.BasicAuth: {"user:password"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			err := adyen.Provider.CheckKeys(tc.keys)
			is.Equal(err == nil, tc.ok)
			if err != nil {
				is.True(!strings.Contains(err.Error(), "not-a-hex") && !strings.Contains(err.Error(), "just-a-password")) // never quotes a value
			}
		})
	}
}

type mapping struct {
	name, item string
	want       payment.Event
}

// Items are Adyen's examples: the OpenAPI specification's
// (Adyen/adyen-openapi json/Webhooks-v1.json) and the Java SDK's fixtures,
// as stored, one NotificationRequestItem each; "constructed" marks the
// ones changed to show a case no example has.
var mappings = []mapping{
	{"AUTHORISATION", `{"additionalData":{"tokenization.shopperReference":"YOUR_SHOPPER_REFERENCE","tokenization.storedPaymentMethodId":"M5N7TQ4TG5PFWR50","tokenization.store.operationType":"created"},"amount":{"currency":"EUR","value":1000},"eventCode":"AUTHORISATION","eventDate":"2021-01-01T01:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_MERCHANT_REFERENCE","paymentMethod":"ach","operations":["CANCEL","CAPTURE","REFUND"],"pspReference":"QFQTPCQ8HXSKGK82","reason":"null","success":"true"}`,
		payment.Event{Type: payment.Succeeded, PaymentID: "QFQTPCQ8HXSKGK82", AmountMinor: 1000, Currency: "EUR"}},
	{"AUTHORISATION (Java SDK)", `{"additionalData":{"expiryDate":"12/2012"," NAME1 ":"VALUE1","authCode":"1234","cardSummary":"7777","totalFraudScore":"10","hmacSignature":"OzDjCMZIsdtDqrZ+cl/FWC+WdESrorctXTzAzW33dXI=","NAME2":"  VALUE2  ","fraudCheck-6-ShopperIpUsage":"10"},"amount":{"currency":"EUR","value":10100},"eventCode":"AUTHORISATION","eventDate":"2017-01-19T16:42:03+01:00","merchantAccountCode":"MagentoMerchantTest2","merchantReference":"8313842560770001","operations":["CANCEL","CAPTURE","REFUND"],"paymentMethod":"visa","pspReference":"123456789","reason":"1234:7777:12/2012","success":"true"}`,
		payment.Event{Type: payment.Succeeded, PaymentID: "123456789", AmountMinor: 10100, Currency: "EUR"}},
	{"AUTHORISATION (refused, constructed)", `{"additionalData":{"hmacSignature":"yvlmxyLujfo8PgFqe2tp9/aijZnPbUqSEisniswl1mA="},"amount":{"currency":"EUR","value":1000},"eventCode":"AUTHORISATION","eventDate":"2026-01-05T10:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"ORDER-1001","paymentMethod":"visa","pspReference":"QFQTPCQ8HXSKGK83","reason":"Refused","success":"false"}`,
		payment.Event{Type: payment.Failed, PaymentID: "QFQTPCQ8HXSKGK83", AmountMinor: 1000, Currency: "EUR"}},
	{"CAPTURE", `{"amount":{"currency":"EUR","value":1000},"eventCode":"CAPTURE","eventDate":"2021-01-01T01:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_MERCHANT_REFERENCE","originalReference":"9913140798220028","paymentMethod":"visa","pspReference":"QFQTPCQ8HXSKGK82","reason":"","success":"true"}`,
		payment.Event{Type: payment.Succeeded, PaymentID: "9913140798220028", CaptureID: "QFQTPCQ8HXSKGK82", AmountMinor: 1000, Currency: "EUR"}},
	{"CAPTURE (refused, Java SDK)", `{"additionalData":{"hmacSignature":"KujHNqpyCAMdGefj7lfQ8AeD0Jke9Zs2bVAqScQDWi4="},"amount":{"currency":"USD","value":23623},"eventCode":"CAPTURE","eventDate":"2017-01-25T18:08:19+01:00","merchantAccountCode":"MagentoMerchantTest2","merchantReference":"00000001","originalReference":"ORIGINAL_PSP","paymentMethod":"visa","pspReference":"PSP_REFERENCE","reason":"Insufficient balance on payment","success":"false"}`,
		payment.Event{Type: payment.Failed, PaymentID: "ORIGINAL_PSP", AmountMinor: 23623, Currency: "USD"}},
	{"CAPTURE_FAILED", `{"additionalData":{"paymentMethodVariant":"facilypay_3x","hmacSignature":"b0ea55c2fe60d4d1d605e9c385e0e7...","shopperCountry":"NL"},"amount":{"currency":"EUR","value":1000},"eventCode":"CAPTURE_FAILED","eventDate":"2021-01-01T01:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_MERCHANT_REFERENCE","originalReference":"9913140798220028","paymentMethod":"facilypay_3x","pspReference":"QFQTPCQ8HXSKGK82","reason":"Capture Failed","success":"true"}`,
		payment.Event{Type: payment.Failed, PaymentID: "9913140798220028", AmountMinor: 1000, Currency: "EUR"}},
	{"CANCELLATION (Java SDK, no merchantReference)", `{"amount":{"currency":"EUR","value":500},"eventCode":"CANCELLATION","eventDate":"2018-03-05T09:08:05+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","originalReference":"8313547924770610","paymentMethod":"mc","pspReference":"8412534564722331","reason":"","success":"true"}`,
		payment.Event{Type: payment.Canceled, PaymentID: "8313547924770610", AmountMinor: 500, Currency: "EUR"}},
	{"CANCEL_OR_REFUND (cancel)", `{"additionalData":{"modification.action":"cancel"},"amount":{"currency":"EUR","value":1000},"eventCode":"CANCEL_OR_REFUND","eventDate":"2021-01-01T01:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_MERCHANT_REFERENCE","originalReference":"9913140798220028","paymentMethod":"visa","pspReference":"QFQTPCQ8HXSKGK82","reason":"","success":"true"}`,
		payment.Event{Type: payment.Canceled, PaymentID: "9913140798220028", AmountMinor: 1000, Currency: "EUR"}},
	{"CANCEL_OR_REFUND (refund, constructed)", `{"additionalData":{"modification.action":"refund"},"amount":{"currency":"EUR","value":1000},"eventCode":"CANCEL_OR_REFUND","eventDate":"2021-01-01T01:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_MERCHANT_REFERENCE","originalReference":"9913140798220028","paymentMethod":"visa","pspReference":"QFQTPCQ8HXSKGK82","reason":"","success":"true"}`,
		payment.Event{Type: payment.PartiallyRefunded, PaymentID: "9913140798220028", AmountMinor: 1000, Currency: "EUR", RefundID: "QFQTPCQ8HXSKGK82", RefundStatus: payment.RefundSucceeded}},
	{"CANCEL_OR_REFUND (no action said, constructed)", `{"amount":{"currency":"EUR","value":1000},"eventCode":"CANCEL_OR_REFUND","eventDate":"2021-01-01T01:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_MERCHANT_REFERENCE","originalReference":"9913140798220028","paymentMethod":"visa","pspReference":"QFQTPCQ8HXSKGK82","reason":"","success":"true"}`,
		payment.Event{Type: payment.Other}},
	{"REFUND (constructed: the refund made)", `{"amount":{"currency":"EUR","value":400},"eventCode":"REFUND","eventDate":"2021-01-01T01:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_MERCHANT_REFERENCE","originalReference":"9913140798220028","paymentMethod":"visa","pspReference":"QFQTPCQ8HXSKGK82","reason":"","success":"true"}`,
		payment.Event{Type: payment.PartiallyRefunded, PaymentID: "9913140798220028", AmountMinor: 400, Currency: "EUR", RefundID: "QFQTPCQ8HXSKGK82", RefundStatus: payment.RefundSucceeded}},
	{"REFUND (refused)", `{"amount":{"currency":"EUR","value":1000},"eventCode":"REFUND","eventDate":"2021-01-01T01:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_MERCHANT_REFERENCE","originalReference":"9913140798220028","paymentMethod":"visa","pspReference":"QFQTPCQ8HXSKGK82","reason":"Transaction hasn't been captured, refund not possible","success":"false"}`,
		payment.Event{Type: payment.RefundUpdated, PaymentID: "9913140798220028", AmountMinor: 1000, Currency: "EUR", RefundID: "QFQTPCQ8HXSKGK82", RefundStatus: payment.RefundFailed}},
	{"REFUND_FAILED", `{"additionalData":{"hmacSignature":"b0ea55c2fe60d4d1d605e9c385e0e7...","paymentMethodVariant":"blik"},"amount":{"currency":"EUR","value":1000},"eventCode":"REFUND_FAILED","eventDate":"2021-01-01T01:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_MERCHANT_REFERENCE","originalReference":"9913140798220028","paymentMethod":"blik","pspReference":"QFQTPCQ8HXSKGK82","reason":"Refund Failed","success":"true"}`,
		payment.Event{Type: payment.RefundUpdated, PaymentID: "9913140798220028", AmountMinor: 1000, Currency: "EUR", RefundID: "QFQTPCQ8HXSKGK82", RefundStatus: payment.RefundFailed}},
	{"REFUNDED_REVERSED", `{"amount":{"currency":"EUR","value":1000},"eventCode":"REFUNDED_REVERSED","eventDate":"2021-01-01T01:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_MERCHANT_REFERENCE","originalReference":"9913140798220028","paymentMethod":"mc","pspReference":"QFQTPCQ8HXSKGK82","reason":"test_AUTHORISATION_1","success":"true"}`,
		payment.Event{Type: payment.RefundUpdated, PaymentID: "9913140798220028", AmountMinor: 1000, Currency: "EUR", RefundID: "QFQTPCQ8HXSKGK82", RefundStatus: payment.RefundFailed}},
	{"OFFER_CLOSED", `{"additionalData":{"hmacSignature":"b0ea55c2fe60d4d1d605e9c385e0e7...","paymentMethodVariant":"ideal"},"amount":{"currency":"EUR","value":1000},"eventCode":"OFFER_CLOSED","eventDate":"2021-01-01T01:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_MERCHANT_REFERENCE","paymentMethod":"ideal","pspReference":"QFQTPCQ8HXSKGK82","reason":"","success":"true"}`,
		payment.Event{Type: payment.Canceled, PaymentID: "QFQTPCQ8HXSKGK82", AmountMinor: 1000, Currency: "EUR"}},
	{"EXPIRE", `{"amount":{"currency":"EUR","value":1000},"eventCode":"EXPIRE","eventDate":"2024-02-09T11:19:48+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_MERCHANT_REFERENCE","pspReference":"QFQTPCQ8HXSKGK82","reason":"","success":"true"}`,
		payment.Event{Type: payment.Canceled, PaymentID: "QFQTPCQ8HXSKGK82", AmountMinor: 1000, Currency: "EUR"}},
	{"NOTIFICATION_OF_CHARGEBACK", `{"additionalData":{"captureMerchantReference":"shopperReferenceTest","chargebackReasonCode":" 4853","grossCurrency":"EUR","hmacSignature":"b0ea55c2fe60d4d1d605e9c385e0e7...","defensePeriodEndsAt":"2021-07-31T03:03:08+02:00","defendable":"false","grossValue":"2000","modificationMerchantReferences":"YourModificationReference,shopperReferenceTest","chargebackSchemeCode":"mc","capturePspReference":"8536173024791891","autoDefended":"true","paymentMethodVariant":"mc"},"amount":{"currency":"EUR","value":1000},"eventCode":"NOTIFICATION_OF_CHARGEBACK","eventDate":"2021-01-01T01:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_MERCHANT_REFERENCE","originalReference":"9913140798220028","paymentMethod":"mc","pspReference":"QFQTPCQ8HXSKGK82","reason":"Payment.TxId=300000000524659113 dispute (automatically defended)","success":"true"}`,
		payment.Event{Type: payment.DisputeOpened, PaymentID: "9913140798220028", AmountMinor: 1000, Currency: "EUR", DisputeStatus: "NOTIFICATION_OF_CHARGEBACK"}},
	{"CHARGEBACK (Java SDK)", `{"additionalData":{"chargebackReasonCode":"10.4","modificationMerchantReferences":"","chargebackSchemeCode":"visa"},"amount":{"currency":"EUR","value":1000},"eventCode":"CHARGEBACK","eventDate":"2018-03-23T13:55:31+01:00","merchantAccountCode":"TestMerchant","merchantReference":"XXXXXXXXXX","originalReference":"9913333333333333","paymentMethod":"visa","pspReference":"9915555555555555","reason":"Other Fraud-Card Absent Environment","success":"true"}`,
		payment.Event{Type: payment.DisputeOpened, PaymentID: "9913333333333333", AmountMinor: 1000, Currency: "EUR", DisputeStatus: "CHARGEBACK"}},
	{"INFORMATION_SUPPLIED", `{"additionalData":{"chargebackReasonCode":"13.3","chargebackSchemeCode":"visa","disputeStatus":"Pending"},"amount":{"currency":"USD","value":10000},"eventCode":"INFORMATION_SUPPLIED","eventDate":"2025-05-17T09:35:14+02:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","originalReference":"9914444444444444","merchantReference":"YOUR_REFERENCE","paymentMethod":"visa","pspReference":"9915555555555555","reason":"Not as Described or Defective Merchandise/Services","success":"true"}`,
		payment.Event{Type: payment.DisputeUpdated, PaymentID: "9914444444444444", AmountMinor: 10000, Currency: "USD", DisputeStatus: "INFORMATION_SUPPLIED"}},
	{"DISPUTE_DEFENSE_PERIOD_ENDED", `{"additionalData":{"chargebackReasonCode":"10.4","modificationMerchantReferences":"","chargebackSchemeCode":"visa","disputeStatus":"Lost"},"amount":{"currency":"EUR","value":1000},"eventCode":"DISPUTE_DEFENSE_PERIOD_ENDED","eventDate":"2024-11-11T01:30:57+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_REFERENCE","originalReference":"9914444444444444","paymentMethod":"visa","pspReference":"9915555555555555","reason":"Other Fraud-Card Absent Environment","success":"true"}`,
		payment.Event{Type: payment.DisputeUpdated, PaymentID: "9914444444444444", AmountMinor: 1000, Currency: "EUR", DisputeStatus: "DISPUTE_DEFENSE_PERIOD_ENDED"}},
	{"CHARGEBACK_REVERSED (constructed: with the disputed payment)", `{"amount":{"currency":"EUR","value":1000},"eventCode":"CHARGEBACK_REVERSED","eventDate":"2021-01-01T01:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_MERCHANT_REFERENCE","originalReference":"9913140798220028","paymentMethod":"mc","pspReference":"QFQTPCQ8HXSKGK82","reason":"Fraudulent Processing of Transactions","success":"true"}`,
		payment.Event{Type: payment.DisputeClosed, PaymentID: "9913140798220028", AmountMinor: 1000, Currency: "EUR", DisputeStatus: "CHARGEBACK_REVERSED", DisputeOutcome: payment.DisputeWon}},
	{"CHARGEBACK_REVERSED (no originalReference, as Adyen's example)", `{"additionalData":{"hmacSignature":"b0ea55c2fe60d4d1d605e9c385e0e7..."},"amount":{"currency":"EUR","value":1000},"eventCode":"CHARGEBACK_REVERSED","eventDate":"2021-01-01T01:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_MERCHANT_REFERENCE","paymentMethod":"mc","pspReference":"QFQTPCQ8HXSKGK82","reason":"Fraudulent Processing of Transactions","success":"true"}`,
		payment.Event{Type: payment.Other}},
	{"SECOND_CHARGEBACK (no originalReference, as Adyen's example)", `{"additionalData":{"chargebackReasonCode":"502","modificationMerchantReferences":"shopperReferenceTest","chargebackSchemeCode":"jcb"},"amount":{"currency":"EUR","value":1000},"eventCode":"SECOND_CHARGEBACK","eventDate":"2021-01-01T01:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_MERCHANT_REFERENCE","paymentMethod":"jcb","pspReference":"QFQTPCQ8HXSKGK82","reason":"502:Cardmember Dispute","success":"true"}`,
		payment.Event{Type: payment.Other}},
	{"PREARBITRATION_WON (constructed: with the disputed payment)", `{"amount":{"currency":"EUR","value":1000},"eventCode":"PREARBITRATION_WON","eventDate":"2021-01-01T01:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_MERCHANT_REFERENCE","originalReference":"9913140798220028","paymentMethod":"bankTransfer_IBAN","pspReference":"QFQTPCQ8HXSKGK82","reason":"","success":"true"}`,
		payment.Event{Type: payment.DisputeClosed, PaymentID: "9913140798220028", AmountMinor: 1000, Currency: "EUR", DisputeStatus: "PREARBITRATION_WON", DisputeOutcome: payment.DisputeWon}},
	{"PREARBITRATION_LOST (constructed: with the disputed payment)", `{"additionalData":{"metadata.type":"web_pay","metadata.link_id":"111111","arn":"ACQUIRER_REFERENCE_NUMBER","metadata.company":"abc"},"amount":{"currency":"EUR","value":1000},"eventCode":"PREARBITRATION_LOST","eventDate":"2021-01-01T01:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_MERCHANT_REFERENCE","originalReference":"9913140798220028","paymentMethod":"visa","pspReference":"QFQTPCQ8HXSKGK82","reason":"Other Fraud-Card Absent Environment","success":"true"}`,
		payment.Event{Type: payment.DisputeClosed, PaymentID: "9913140798220028", AmountMinor: 1000, Currency: "EUR", DisputeStatus: "PREARBITRATION_LOST", DisputeOutcome: payment.DisputeLost}},
	{"CANCELLATION (refused, constructed)", `{"amount":{"currency":"EUR","value":1000},"eventCode":"CANCELLATION","eventDate":"2021-01-01T01:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_MERCHANT_REFERENCE","originalReference":"9913140798220028","paymentMethod":"visa","pspReference":"QFQTPCQ8HXSKGK82","reason":"Payment already captured","success":"false"}`,
		payment.Event{Type: payment.Other}},
	{"RECURRING_CONTRACT", `{"additionalData":{"recurring.shopperReference":"YOUR_SHOPPER_REFERENCE","recurring.recurringDetailReference":"M5N7TQ4TG5PFWR50","hmacSignature":"YOUR_HMAC_SIGNATURE","shopperReference":"YOUR_SHOPPER_REFERENCE","checkoutSessionId":"******************"},"amount":{"currency":"USD","value":0},"eventCode":"RECURRING_CONTRACT","eventDate":"2023-06-20T16:09:48+02:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_PAYMENT_REFERENCE","originalReference":"INITIAL_PAYMENT_PSP_REFERENCE","originalPsp":"PSP_REFERENCE","paymentMethod":"ideal","pspReference":"M5N7TQ4TG5PFWR50","reason":"","success":"true"}`,
		payment.Event{Type: payment.Other}},
	{"AUTHORISATION_ADJUSTMENT", `{"amount":{"currency":"EUR","value":1000},"eventCode":"AUTHORISATION_ADJUSTMENT","eventDate":"2021-01-01T01:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"YOUR_MERCHANT_REFERENCE","originalReference":"9913140798220028","paymentMethod":"visa","pspReference":"QFQTPCQ8HXSKGK82","reason":"","success":"true"}`,
		payment.Event{Type: payment.Other}},
	{"REPORT_AVAILABLE (Java SDK, amount.value a string)", `{"additionalData":{"hmacSignature":"NuEkADFmlCC6VgX+wcoPAegIWxVPNBPCuKlM4Hzo5qc="},"amount":{"currency":"EUR","value":"0"},"eventCode":"REPORT_AVAILABLE","eventDate":"2019-11-20T14:35:36+01:00","merchantAccountCode":"Magento2Rik","merchantReference":"testMerchantRef1","pspReference":"test_REPORT_AVAILABLE","reason":"will contain the url to the report","success":"true"}`,
		payment.Event{Type: payment.Other}},
}

func eventType(name string) string {
	code, _, _ := strings.Cut(name, " (")
	return code
}

func TestNormalize(t *testing.T) {
	occurred := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for _, m := range mappings {
		t.Run(m.name, func(t *testing.T) {
			is := is.New(t)
			d := payment.Delivery{Provider: adyen.Name, EventID: "evt-1", EventType: eventType(m.name), Body: []byte(m.item), OccurredAt: occurred}
			got, err := adyen.Provider.Normalize(d)
			is.NoErr(err)
			got, err = payment.Complete(got, d)
			is.NoErr(err)
			want := m.want
			want.Provider, want.EventID, want.ProviderType, want.OccurredAt = adyen.Name, "evt-1", eventType(m.name), occurred
			is.Equal(got, want)
		})
	}
}

func TestUnprocessablePayloads(t *testing.T) {
	for name, tc := range map[string]struct{ eventType, item string }{
		"not JSON":                            {"AUTHORISATION", `{`},
		"a whole delivery, not its item":      {"AUTHORISATION", `[{"NotificationRequestItem":{}}]`},
		"a capture of no payment":             {"CAPTURE", `{"amount":{"currency":"EUR","value":1000},"eventCode":"CAPTURE","pspReference":"QFQTPCQ8HXSKGK82","success":"true"}`},
		"an amount with decimals":             {"AUTHORISATION", `{"amount":{"currency":"EUR","value":10.5},"eventCode":"AUTHORISATION","pspReference":"QFQTPCQ8HXSKGK82","success":"true"}`},
		"an amount in an exponent":            {"AUTHORISATION", `{"amount":{"currency":"EUR","value":1e3},"eventCode":"AUTHORISATION","pspReference":"QFQTPCQ8HXSKGK82","success":"true"}`},
		"a negative amount":                   {"AUTHORISATION", `{"amount":{"currency":"EUR","value":-1000},"eventCode":"AUTHORISATION","pspReference":"QFQTPCQ8HXSKGK82","success":"true"}`},
		"a pspReference that is not a string": {"AUTHORISATION", `{"amount":{"currency":"EUR","value":1000},"eventCode":"AUTHORISATION","pspReference":7914073381342284,"success":"true"}`},
		"success as a JSON boolean":           {"AUTHORISATION", `{"amount":{"currency":"EUR","value":1000},"eventCode":"AUTHORISATION","pspReference":"QFQTPCQ8HXSKGK82","success":true}`},
	} {
		t.Run(name, func(t *testing.T) {
			d := payment.Delivery{Provider: adyen.Name, EventID: "evt-1", EventType: tc.eventType, Body: []byte(tc.item), OccurredAt: time.Now()}
			e, err := adyen.Provider.Normalize(d)
			if err == nil {
				_, err = payment.Complete(e, d)
			}
			is.New(t).True(errors.Is(err, payment.ErrUnprocessable))
		})
	}
}

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// normalized is an item's canonical event, as the processor makes it.
func normalized(t *testing.T, id, code, item string, at time.Duration) payment.Event {
	t.Helper()
	d := payment.Delivery{Provider: adyen.Name, EventID: id, EventType: code, Body: []byte(item), OccurredAt: t0.Add(at)}
	e, err := adyen.Provider.Normalize(d)
	if err == nil {
		e, err = payment.Complete(e, d)
	}
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func applyAll(events ...payment.Event) payment.State {
	var s payment.State
	for _, e := range events {
		s, _ = s.Apply(e)
	}
	return s
}

func modification(code, psp, success string, value int) string {
	return `{"amount":{"currency":"EUR","value":` + strconv.Itoa(value) + `},"eventCode":"` + code + `","eventDate":"2026-11-27T13:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"order-1","originalReference":"9913140798220028","paymentMethod":"visa","pspReference":"` + psp + `","reason":"","success":"` + success + `"}`
}

func authorisation(success string) string {
	return `{"amount":{"currency":"EUR","value":1000},"eventCode":"AUTHORISATION","eventDate":"2026-11-27T13:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"order-1","paymentMethod":"visa","pspReference":"9913140798220028","reason":"","success":"` + success + `"}`
}

// An authorisation Adyen reported as success, then voided or left to expire
// uncaptured, took no money: the payment ends canceled, not succeeded.
func TestAnAuthorisationCanceledOrExpiredAfterwardsIsCanceled(t *testing.T) {
	cancelOrRefund := `{"additionalData":{"modification.action":"cancel"},"amount":{"currency":"EUR","value":1000},"eventCode":"CANCEL_OR_REFUND","eventDate":"2026-11-27T14:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"order-1","originalReference":"9913140798220028","pspReference":"CANCEL0000000002","reason":"","success":"true"}`
	expire := `{"amount":{"currency":"EUR","value":1000},"eventCode":"EXPIRE","eventDate":"2026-12-27T13:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"order-1","pspReference":"9913140798220028","reason":"","success":"true"}`
	for _, tc := range []struct{ code, item string }{
		{"CANCELLATION", modification("CANCELLATION", "CANCEL0000000001", "true", 1000)},
		{"CANCEL_OR_REFUND", cancelOrRefund},
		{"EXPIRE", expire},
	} {
		t.Run(tc.code, func(t *testing.T) {
			is := is.New(t)
			s := applyAll(
				normalized(t, "auth", "AUTHORISATION", authorisation("true"), 0),
				normalized(t, "later", tc.code, tc.item, time.Hour),
			)
			is.Equal(s.Status, payment.StatusCanceled)
		})
	}
}

func TestAnAuthorisationRefusedThenGrantedSucceeds(t *testing.T) {
	is := is.New(t)
	s := applyAll(
		normalized(t, "9913140798220028:AUTHORISATION:false", "AUTHORISATION", authorisation("false"), 0),
		normalized(t, "9913140798220028:AUTHORISATION:true", "AUTHORISATION", authorisation("true"), time.Minute),
	)
	is.Equal(s.Status, payment.StatusSucceeded)
	is.Equal(s.AmountMinor, int64(1000))
}

// A refund Adyen made and then could not complete counts no more: both
// events name it by its pspReference.
func TestARefundThatFailedAfterwardsCountsNoMore(t *testing.T) {
	is := is.New(t)
	s := applyAll(
		normalized(t, "e1", "AUTHORISATION", authorisation("true"), 0),
		normalized(t, "e2", "REFUND", modification("REFUND", "REFUND0000000001", "true", 400), time.Minute),
		normalized(t, "e3", "REFUND", modification("REFUND", "REFUND0000000002", "true", 300), 2*time.Minute),
	)
	is.Equal(s.RefundedMinor, int64(700))
	is.Equal(s.Status, payment.StatusPartiallyRefunded)
	s, _ = s.Apply(normalized(t, "e4", "REFUND_FAILED", modification("REFUND_FAILED", "REFUND0000000001", "true", 400), time.Hour))
	is.Equal(s.RefundedMinor, int64(300))
	s, _ = s.Apply(normalized(t, "e5", "REFUNDED_REVERSED", modification("REFUNDED_REVERSED", "REFUND0000000002", "true", 300), 2*time.Hour))
	is.Equal(s.RefundedMinor, int64(0))
	is.Equal(s.Status, payment.StatusSucceeded)
}

func TestAChargebackWonAndLost(t *testing.T) {
	is := is.New(t)
	s := applyAll(
		normalized(t, "e1", "AUTHORISATION", authorisation("true"), 0),
		normalized(t, "e2", "NOTIFICATION_OF_CHARGEBACK", modification("NOTIFICATION_OF_CHARGEBACK", "DISPUTE000000001", "true", 1000), time.Hour),
		normalized(t, "e3", "CHARGEBACK", modification("CHARGEBACK", "DISPUTE000000001", "true", 1000), 2*time.Hour),
	)
	is.Equal(s.Dispute, payment.DisputeStateOpen)
	is.Equal(s.DisputeStatus, "CHARGEBACK")
	won, _ := s.Apply(normalized(t, "e4", "CHARGEBACK_REVERSED", modification("CHARGEBACK_REVERSED", "DISPUTE000000001", "true", 1000), 3*time.Hour))
	is.Equal(won.Dispute, payment.DisputeWon)
	lost, _ := s.Apply(normalized(t, "e4", "PREARBITRATION_LOST", modification("PREARBITRATION_LOST", "DISPUTE000000001", "true", 1000), 3*time.Hour))
	is.Equal(lost.Dispute, payment.DisputeLost)
	is.Equal(lost.Status, payment.StatusSucceeded) // a dispute sits beside the payment's status
}

// The sample's options reach Adyen's fields as smoke, bench and the
// contract need them: the event id option becomes the pspReference, with
// which the event id starts.
func TestSampleOptions(t *testing.T) {
	is := is.New(t)
	dev := adyen.Provider.Development
	_, id, err := dev.Sample("payhook.smoke", provider.SampleOptions{EventID: "payhook-smoke-0a1b2c3d"})
	is.NoErr(err)
	is.True(strings.HasPrefix(id, "payhook-smoke-0a1b2c3d:"))

	_, id, err = dev.Sample("AUTHORISATION", provider.SampleOptions{PaymentID: "PAY-1", Status: "false"})
	is.NoErr(err)
	is.Equal(id, "PAY-1:AUTHORISATION:false")

	_, id, err = dev.Sample("REFUND", provider.SampleOptions{PaymentID: "PAY-1", EventID: "REFUND-1"})
	is.NoErr(err)
	is.Equal(id, "REFUND-1:REFUND:true:PAY-1")
}

// Sign signs inside the body: each item's hmacSignature, with the first
// key, amounts kept to the digit however large.
func TestSignSignsTheItems(t *testing.T) {
	is := is.New(t)
	keys := providertest.DevelopmentKeys(t, adyen.Provider)
	body, id, err := adyen.Provider.Development.Sample("CAPTURE", provider.SampleOptions{PaymentID: "PAY-1", Amount: 9007199254740993, Currency: "eur"})
	is.NoErr(err)
	is.True(!strings.Contains(string(body), "hmacSignature")) // a sample is signed by Sign
	d, err := adyen.Provider.Development.Sign(body, keys, provider.Message{EventID: id, At: time.Now()})
	is.NoErr(err)
	is.True(strings.Contains(string(d.Body), `"hmacSignature"`))
	is.True(strings.HasPrefix(d.Header.Get("Authorization"), "Basic "))
	_, err = adyen.Verifier{}.Verify(context.Background(), d, keys, time.Now())
	is.NoErr(err)
	e := providertest.Process(t, adyen.Provider, provider.Config{}, d, keys, id)
	is.Equal(e.AmountMinor, int64(9007199254740993)) // above float64's exact integers

	_, err = adyen.Provider.Development.Sign(body, provider.Keys{}, provider.Message{})
	is.True(errors.Is(err, provider.ErrNoSigningKey))
	_, err = adyen.Provider.Development.Sign([]byte(`{"id":"evt_1"}`), keys, provider.Message{})
	is.True(err != nil) // nothing to sign
}

func FuzzNormalize(f *testing.F) {
	for _, m := range mappings {
		f.Add(eventType(m.name), []byte(m.item))
	}
	f.Add("REFUND", []byte(`{"amount":{"value":"-5","currency":"EUR"},"originalReference":"P","pspReference":"R","success":"true"}`))
	f.Add("CHARGEBACK", []byte(`{"amount":null,"additionalData":null,"originalReference":"P","success":"true"}`))
	f.Fuzz(func(t *testing.T, eventType string, body []byte) {
		providertest.CheckFuzzedNormalize(t, adyen.Provider, eventType, body)
	})
}

// Adyen counts some currencies' minor units unlike ISO 4217, which
// payhook keeps: CLP 10,000 is 1000000 at Adyen (2 decimals, ISO 0), CVE
// 100.00 is 100 (0 decimals, ISO 2).
func TestAmountsAreInISOMinorUnits(t *testing.T) {
	item := func(currency string, value int) string {
		return `{"amount":{"currency":"` + currency + `","value":` + strconv.Itoa(value) + `},"eventCode":"AUTHORISATION","eventDate":"2026-11-27T13:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"order-1","pspReference":"9913140798220028","reason":"","success":"true"}`
	}
	for _, tc := range []struct {
		currency    string
		adyen, want int64
	}{{"EUR", 1000, 1000}, {"JPY", 1000, 1000}, {"CLP", 1000000, 10000}, {"ISK", 279000, 2790}, {"CVE", 100, 10000}} {
		t.Run(tc.currency, func(t *testing.T) {
			is := is.New(t)
			e := normalized(t, "auth", "AUTHORISATION", item(tc.currency, int(tc.adyen)), 0)
			is.Equal(e.AmountMinor, tc.want)
		})
	}
	t.Run("a CLP amount with centavos is refused, not rounded", func(t *testing.T) {
		is := is.New(t)
		d := payment.Delivery{Provider: adyen.Name, EventID: "auth", EventType: "AUTHORISATION", Body: []byte(item("CLP", 1000050)), OccurredAt: t0}
		_, err := adyen.Provider.Normalize(d)
		is.True(errors.Is(err, payment.ErrUnprocessable))
	})
}
