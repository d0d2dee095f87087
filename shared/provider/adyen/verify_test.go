package adyen_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/providertest"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/adyen"
)

// The HMAC keys of Adyen's SDK tests (testdata/ORIGIN.md): key74 signed
// the real test notifications in testdata/bodies, keyDFB the Go and Node
// SDKs' vectors.
const (
	key74  = "74F490DD33F7327BAECC88B2947C011FC02D014A473AAA33A8EC93E4DC069174"
	keyDFB = "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00"

	colonSignature     = "2EQYm7YJpKO4EtHSPu55SQTyWf8dkW5u2nD1tJFpViA="
	backslashSignature = "nIgT81gaB5oJpn2jPXupDq68iRo2wUlBsuYjtYfwKqo="

	basicAuth   = "adyen-webhook:Sup3r-secret"
	basicHeader = "Basic YWR5ZW4td2ViaG9vazpTdXAzci1zZWNyZXQ=" // base64 of basicAuth, by coreutils' base64
)

// item is the NotificationRequestItem of a real Adyen test notification,
// as testdata/bodies/<name>.json wraps it.
func item(t testing.TB, name string) string {
	t.Helper()
	body, err := os.ReadFile("testdata/bodies/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.TrimPrefix(string(body), `{"live":"false","notificationItems":[{"NotificationRequestItem":`)
	return strings.TrimSuffix(s, `}]}`)
}

func wrap(items ...string) string {
	wrapped := make([]string, len(items))
	for i, it := range items {
		wrapped[i] = `{"NotificationRequestItem":` + it + `}`
	}
	return `{"live":"false","notificationItems":[` + strings.Join(wrapped, ",") + `]}`
}

func adyenDelivery(authorization []string, body string) provider.Delivery {
	h := http.Header{"Content-Type": {"application/json"}}
	if authorization != nil {
		h["Authorization"] = authorization
	}
	return provider.Delivery{Header: h, Body: []byte(body)}
}

func TestVerify(t *testing.T) {
	colon, backslash := item(t, "colon"), item(t, "backslash")
	forged := strings.Replace(backslash, `"value": 1000`, `"value": 1001`, 1)
	unsigned := strings.Replace(colon, `"hmacSignature": "`+colonSignature+`",`, ``, 1)
	withSignature := func(signature string) string {
		return strings.Replace(colon, colonSignature, signature, 1)
	}
	hmacOnly := provider.Keys{adyen.HMACKeys: {key74}}
	withAuth := provider.Keys{adyen.HMACKeys: {key74}, adyen.BasicAuth: {basicAuth}}
	cases := []struct {
		name          string
		authorization []string
		body          string
		keys          provider.Keys
		want          error
	}{
		{"one item, one key", nil, wrap(colon), hmacOnly, nil},
		{"every item of a batch verified", nil, wrap(backslash, colon, item(t, "forwardslash"), item(t, "mixed")), hmacOnly, nil},
		{"rotation: the second of two keys", nil, wrap(colon), provider.Keys{adyen.HMACKeys: {keyDFB, key74}}, nil},
		{"rotation: the first of two keys", nil, wrap(colon), provider.Keys{adyen.HMACKeys: {key74, keyDFB}}, nil},
		{"a key in lower case is the same key", nil, wrap(colon), provider.Keys{adyen.HMACKeys: {strings.ToLower(key74)}}, nil},
		{"50 items", nil, wrap(strings.Split(strings.Repeat(colon+"\x00", 50), "\x00")[:50]...), hmacOnly, nil},
		{"an unsigned field changed: Adyen signs eight fields", nil, wrap(strings.Replace(colon, `"reason": "039404:1111:03/2030"`, `"reason": "Refused"`, 1)), hmacOnly, nil},
		{"a key no longer active", nil, wrap(colon), provider.Keys{adyen.HMACKeys: {keyDFB}}, provider.ErrInvalidSignature},
		{"a forged amount", nil, wrap(forged), hmacOnly, provider.ErrInvalidSignature},
		{"one forged item refuses the batch", nil, wrap(colon, forged), hmacOnly, provider.ErrInvalidSignature},
		{"a forged item after the first is checked too", nil, wrap(colon, colon, forged), hmacOnly, provider.ErrInvalidSignature},
		{"the signature of another item", nil, wrap(withSignature(backslashSignature)), hmacOnly, provider.ErrInvalidSignature},
		{"a colon escaped, as the legacy payment-pages scheme does", nil, wrap(strings.Replace(colon, `":slashes are fun"`, `"\\:slashes are fun"`, 1)), hmacOnly, provider.ErrInvalidSignature},
		{"an item without hmacSignature", nil, wrap(unsigned), hmacOnly, provider.ErrMissingSignature},
		{"a signed item beside an unsigned one", nil, wrap(colon, unsigned), hmacOnly, provider.ErrMissingSignature},
		{"an empty hmacSignature", nil, wrap(withSignature("")), hmacOnly, provider.ErrMissingSignature},
		{"a signature not in base64", nil, wrap(withSignature("2EQYm7YJpKO4EtHSPu55SQTyWf8dkW5u2nD1tJFpViA*")), hmacOnly, provider.ErrMissingSignature},
		{"a signature in base64 with stray bits", nil, wrap(withSignature("2EQYm7YJpKO4EtHSPu55SQTyWf8dkW5u2nD1tJFpViB=")), hmacOnly, provider.ErrMissingSignature},
		{"a signature of the wrong length", nil, wrap(withSignature("2EQYm7YJpKO4EtHSPu55SQ==")), hmacOnly, provider.ErrMissingSignature},
		{"a signature longer than any SHA-256", nil, wrap(withSignature(strings.Repeat(colonSignature, 50))), hmacOnly, provider.ErrMissingSignature},
		{"an hmacSignature that is not a string", nil, wrap(strings.Replace(colon, `"`+colonSignature+`"`, `["`+colonSignature+`"]`, 1)), hmacOnly, provider.ErrMalformedPayload},
		{"51 items", nil, wrap(strings.Split(strings.Repeat(colon+"\x00", 51), "\x00")[:51]...), hmacOnly, provider.ErrMalformedPayload},
		{"no items", nil, `{"live":"false","notificationItems":[]}`, hmacOnly, provider.ErrMalformedPayload},
		{"no notificationItems", nil, `{"live":"false"}`, hmacOnly, provider.ErrMalformedPayload},
		{"an item that is not an object", nil, `{"live":"false","notificationItems":[{"NotificationRequestItem":"x"}]}`, hmacOnly, provider.ErrMalformedPayload},
		{"a wrapper without its item", nil, `{"live":"false","notificationItems":[{}]}`, hmacOnly, provider.ErrMalformedPayload},
		{"not JSON", nil, `{"live":"false",`, hmacOnly, provider.ErrMalformedPayload},
		{"trailing bytes", nil, wrap(colon) + `{}`, hmacOnly, provider.ErrMalformedPayload},
		{"not UTF-8", nil, wrap(strings.Replace(colon, `"reason": "039404`, "\"reason\": \"\xff039404", 1)), hmacOnly, provider.ErrMalformedPayload},
		{"a repeated pspReference", nil, wrap(strings.Replace(colon, `"pspReference": "M8NB`, `"pspReference": "FORGED", "pspReference": "M8NB`, 1)), hmacOnly, provider.ErrMalformedPayload},
		{"a repeated key, escaped to hide it", nil, wrap(strings.Replace(colon, `"pspReference": "M8NB`, `"psp\u0052eference": "FORGED", "pspReference": "M8NB`, 1)), hmacOnly, provider.ErrMalformedPayload},
		{"a repeated amount.value", nil, wrap(strings.Replace(colon, `"value": 1000`, `"value": 1, "value": 1000`, 1)), hmacOnly, provider.ErrMalformedPayload},
		{"a repeated key in additionalData, which is not signed, is let be", nil, wrap(strings.Replace(colon, `"hmacSignature": "`, `"hmacSignature": "`+backslashSignature+`", "hmacSignature": "`, 1)), hmacOnly, nil},
		{"a repeated amount.currency, escaped to hide it", nil, wrap(strings.Replace(colon, `"currency": "EUR"`, `"currenc\u0079": "USD", "currency": "EUR"`, 1)), hmacOnly, provider.ErrMalformedPayload},
		{"a repeated amount", nil, wrap(strings.Replace(colon, `"amount": {`, `"amount": {"currency": "USD", "value": 1}, "amount": {`, 1)), hmacOnly, provider.ErrMalformedPayload},
		{"a repeated additionalData", nil, wrap(strings.Replace(colon, `"additionalData": {`, `"additionalData": {}, "additionalData": {`, 1)), hmacOnly, provider.ErrMalformedPayload},
		{"a repeated unsigned key of the item", nil, wrap(strings.Replace(colon, `"reason": "`, `"reason": "Refused", "reason": "`, 1)), hmacOnly, provider.ErrMalformedPayload},
		{"a repeated key in another object of the item", nil, wrap(strings.Replace(colon, `"reason": "`, `"splits": {"account": "A", "account": "B"}, "reason": "`, 1)), hmacOnly, provider.ErrMalformedPayload},
		{"a repeated key around the items, which is not signed, is let be", nil, strings.Replace(wrap(colon), `{"live":"false"`, `{"live":"true","live":"false"`, 1), hmacOnly, nil},
		{"a key in other letters is another key", nil, wrap(strings.Replace(colon, `"pspReference": "M8NB`, `"PSPReference": "M8NB`, 1)), hmacOnly, provider.ErrInvalidSignature},
		{"a key in other letters beside the genuine one is not read", nil, wrap(strings.Replace(colon, `"pspReference": "M8NB66SBZSGLNK82"`, `"pspReference": "M8NB66SBZSGLNK82", "PSPREFERENCE": "FORGED"`, 1)), hmacOnly, nil},
		{"an escaped lone surrogate, which a decoder would replace", nil, wrap(strings.Replace(colon, `"reason": "`, `"reason": "\ud800`, 1)), hmacOnly, provider.ErrMalformedPayload},
		{"an amount with decimals", nil, wrap(strings.Replace(colon, `"value": 1000`, `"value": 1000.0`, 1)), hmacOnly, provider.ErrMalformedPayload},
		{"an amount with leading zeros, in a string", nil, wrap(strings.Replace(colon, `"value": 1000`, `"value": "01000"`, 1)), hmacOnly, provider.ErrMalformedPayload},
		{"Basic authentication as configured", []string{basicHeader}, wrap(colon), withAuth, nil},
		{"Basic authentication and a forged item", []string{basicHeader}, wrap(forged), withAuth, provider.ErrInvalidSignature},
		{"another password", []string{"Basic YWR5ZW4td2ViaG9vazpndWVzcw=="}, wrap(colon), withAuth, provider.ErrInvalidSignature},
		{"the scheme in other letters", []string{"basic YWR5ZW4td2ViaG9vazpTdXAzci1zZWNyZXQ="}, wrap(colon), withAuth, provider.ErrInvalidSignature},
		{"no Authorization", nil, wrap(colon), withAuth, provider.ErrMissingSignature},
		{"an empty Authorization", []string{""}, wrap(colon), withAuth, provider.ErrMissingSignature},
		{"two Authorization headers", []string{basicHeader, basicHeader}, wrap(colon), withAuth, provider.ErrMissingSignature},
		{"an Authorization over 2 KiB", []string{basicHeader + strings.Repeat("A", 2048)}, wrap(colon), withAuth, provider.ErrMissingSignature},
		{"Authorization ignored when not configured", []string{"Basic whatever"}, wrap(colon), hmacOnly, nil},
		{"no keys at all", nil, wrap(colon), provider.Keys{}, provider.ErrInvalidSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := adyen.Verifier{}.Verify(context.Background(), adyenDelivery(tc.authorization, tc.body), tc.keys, time.Now())
			is.New(t).Equal(err, tc.want)
		})
	}
}

func TestParse(t *testing.T) {
	is := is.New(t)
	backslash, colon := item(t, "backslash"), item(t, "colon")
	envelopes, err := adyen.Verifier{}.Parse(adyenDelivery(nil, wrap(backslash, colon, backslash)))
	is.NoErr(err)
	is.Equal(envelopes, []provider.Envelope{
		{EventID: "T7FD4VM4D3RZNN82:AUTHORISATION:true", EventType: "AUTHORISATION", OccurredAt: time.Date(2023, 1, 9, 15, 27, 29, 0, time.UTC), Body: []byte(backslash)},
		{EventID: "M8NB66SBZSGLNK82:AUTHORISATION:true", EventType: "AUTHORISATION", OccurredAt: time.Date(2023, 1, 10, 12, 40, 54, 0, time.UTC), Body: []byte(colon)},
	}) // each item's own bytes; the same item twice is one event

	for _, body := range []string{
		`{}`, `[]`, `null`,
		wrap(`{"eventCode":"AUTHORISATION","success":"true"}`),                      // no pspReference
		wrap(`{"pspReference":"QFQTPCQ8HXSKGK82","success":"true"}`),                // no eventCode
		wrap(`{"pspReference":"QFQT\u0007","eventCode":"AUTHORISATION"}`),           // a control character
		wrap(`{"pspReference":"` + strings.Repeat("P", 300) + `","eventCode":"X"}`), // an id over 256 bytes
	} {
		_, err := adyen.Verifier{}.Parse(adyenDelivery(nil, body))
		is.Equal(err, provider.ErrMalformedPayload)
	}
}

// An item's id is its identity, since Adyen's events have none: a
// redelivery (another eventDate, other additionalData) is the same event;
// another success or another original payment is not.
func TestEventIdentity(t *testing.T) {
	is := is.New(t)
	id := func(it string) string {
		t.Helper()
		envelopes, err := adyen.Verifier{}.Parse(adyenDelivery(nil, wrap(it)))
		is.NoErr(err)
		return envelopes[0].EventID
	}
	const refund = `{"additionalData":{"paymentMethodVariant":"visa"},"amount":{"currency":"EUR","value":400},"eventCode":"REFUND","eventDate":"2026-11-27T13:00:00+01:00","merchantAccountCode":"YOUR_MERCHANT_ACCOUNT","merchantReference":"order-1","originalReference":"9913140798220028","pspReference":"QFQTPCQ8HXSKGK82","success":"true"}`
	is.Equal(id(refund), "QFQTPCQ8HXSKGK82:REFUND:true:9913140798220028")
	redelivered := strings.Replace(strings.Replace(refund, "13:00:00", "13:05:00", 1), `"visa"`, `"mc"`, 1)
	is.Equal(id(redelivered), id(refund))
	is.True(id(strings.Replace(refund, `"success":"true"`, `"success":"false"`, 1)) != id(refund))
	is.True(id(strings.Replace(refund, `"9913140798220028"`, `"9913140798220029"`, 1)) != id(refund))
}

func FuzzVerify(f *testing.F) {
	for _, name := range []string{"colon", "backslash", "forwardslash"} {
		f.Add(basicHeader, []byte(wrap(item(f, name))))
	}
	f.Add("", []byte(`{"notificationItems":[{"NotificationRequestItem":{"amount":{"value":"1"},"additionalData":{"hmacSignature":"AAAA"}}}]}`))
	f.Add("Basic", []byte(`{"notificationItems":[{"NotificationRequestItem":{"pspReference":"a","pspReference":"b"}}]}`))
	// Keys nobody signed the seeds with: a mutation of an unsigned field
	// of a genuine item would otherwise verify, as it should.
	keys := []provider.Keys{
		{adyen.HMACKeys: {strings.Repeat("00", 32)}},
		{adyen.HMACKeys: {strings.Repeat("00", 32)}, adyen.BasicAuth: {basicAuth}},
	}
	f.Fuzz(func(t *testing.T, authorization string, body []byte) {
		d := provider.Delivery{Header: http.Header{"Authorization": {authorization}}, Body: body}
		for _, k := range keys {
			_, err := adyen.Verifier{}.Verify(context.Background(), d, k, time.Now())
			providertest.CheckFuzzedVerify(t, err)
		}
		envelopes, err := adyen.Verifier{}.Parse(d)
		providertest.CheckFuzzedParse(t, envelopes, err)
	})
}
