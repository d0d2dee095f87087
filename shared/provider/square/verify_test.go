package square_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/providertest"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/square"
)

// Published vectors from square-go-sdk and square-nodejs-sdk tests.
const (
	squareKey1  = "Ibxx_5AKakO-3qeNVR61Dw"
	squareURL1  = "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9"
	squareBody1 = `{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}`
	squareSig1  = "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4="

	squareKey2  = "signature-key"
	squareURL2  = "https://webhook.site/webhooks"
	squareBody2 = `{"data":{"type":"webhooks","id":"fake_id"}}`
	squareSig2  = "W3FlCNk5IA3ZQ2LHTWoajvzfaDu/OwY2tNHIHC3IUOA="
)

func squareDelivery(signature, body string) provider.Delivery {
	h := http.Header{}
	if signature != "" {
		h.Set("x-square-hmacsha256-signature", signature)
	}
	return provider.Delivery{Header: h, Body: []byte(body)}
}

func TestVerify(t *testing.T) {
	cases := []struct {
		name      string
		signature string
		body      string
		keys      []string
		url       string
		want      error
	}{
		{"published vector 1", squareSig1, squareBody1, []string{squareKey1}, squareURL1, nil},
		{"published vector 2", squareSig2, squareBody2, []string{squareKey2}, squareURL2, nil},
		{"second of two active keys", squareSig1, squareBody1, []string{"old-key", squareKey1}, squareURL1, nil},
		{"tampered body", squareSig1, squareBody1[:len(squareBody1)-1] + " }", []string{squareKey1}, squareURL1, provider.ErrInvalidSignature},
		{"tampered signature", "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RX/S6vkZ9/2N4=", squareBody1, []string{squareKey1}, squareURL1, provider.ErrInvalidSignature},
		{"wrong notification URL", squareSig1, squareBody1, []string{squareKey1}, squareURL1 + "/", provider.ErrInvalidSignature},
		{"wrong key", squareSig2, squareBody2, []string{"other-key"}, squareURL2, provider.ErrInvalidSignature},
		{"empty body is never valid", "mF3vHXRf7S5ZpQxFn9Gm+y0cv4d3sWp0b8aHn5T2d2s=", "", []string{squareKey2}, squareURL2, provider.ErrInvalidSignature},
		{"no header", "", squareBody2, []string{squareKey2}, squareURL2, provider.ErrMissingSignature},
		{"header not base64", "not base64!", squareBody2, []string{squareKey2}, squareURL2, provider.ErrMissingSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			keys := provider.Keys{square.SignatureKeys: tc.keys, square.NotificationURL: {tc.url}}
			_, err := square.Verifier{}.Verify(context.Background(), squareDelivery(tc.signature, tc.body), keys, time.Now())
			is.Equal(err, tc.want)
		})
	}
}

func TestSignatureMatchesPublishedVectors(t *testing.T) {
	is := is.New(t)
	is.Equal(square.Signature([]byte(squareBody1), squareKey1, squareURL1), squareSig1)
	is.Equal(square.Signature([]byte(squareBody2), squareKey2, squareURL2), squareSig2)
}

func TestParse(t *testing.T) {
	is := is.New(t)
	envelopes, err := square.Verifier{}.Parse(squareDelivery("", squareBody1))
	is.NoErr(err)
	is.Equal(len(envelopes), 1)
	env := envelopes[0]
	is.Equal(env.EventID, "ac3ac95b-f97d-458c-a6e6-18981597e05f")
	is.Equal(env.EventType, "webhooks.test_notification")
	is.Equal(env.OccurredAt, time.Date(2022, 7, 13, 20, 30, 59, 37339943, time.UTC))

	_, err = square.Verifier{}.Parse(squareDelivery("", squareBody2)) // no event_id or type
	is.Equal(err, provider.ErrMalformedPayload)
}

func TestNonCanonicalBase64IsMalformed(t *testing.T) {
	is := is.New(t)
	keys := provider.Keys{square.SignatureKeys: {squareKey1}, square.NotificationURL: {squareURL1}}
	// Same bytes as the published signature, but with padding bits set.
	_, err := square.Verifier{}.Verify(context.Background(), squareDelivery("GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N5=", squareBody1), keys, time.Now())
	is.Equal(err, provider.ErrMissingSignature)
}

func FuzzVerify(f *testing.F) {
	f.Add(squareSig1, []byte(squareBody1))
	f.Add("====", []byte(`{"event_id":"x","type":"y"}`))
	keys := provider.Keys{square.SignatureKeys: {"fuzz-key"}, square.NotificationURL: {"https://example.com/webhook/square"}}
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		d := provider.Delivery{Header: http.Header{"X-Square-Hmacsha256-Signature": {header}}, Body: body}
		_, err := square.Verifier{}.Verify(context.Background(), d, keys, time.Now())
		providertest.CheckFuzzedVerify(t, err)
		envelopes, err := square.Verifier{}.Parse(d)
		providertest.CheckFuzzedParse(t, envelopes, err)
	})
}

func TestPublishedVectors(t *testing.T) {
	providertest.RunVectors(t, square.Provider, provider.Config{}, "testdata/vectors.json")
}

// Square's API shows some times without a zone; they are UTC, not unknown
// (an unknown time would date a reconciled event at its recovery).
func TestATimeWithoutAZoneIsUTC(t *testing.T) {
	is := is.New(t)
	body := `{"merchant_id":"M1","type":"payment.updated","event_id":"e1","created_at":"2022-04-26T10:08:40.454726","data":{"type":"payment","id":"P1"}}`
	envelopes, err := square.Verifier{}.Parse(provider.Delivery{Body: []byte(body)})
	is.NoErr(err)
	is.Equal(envelopes[0].OccurredAt, time.Date(2022, 4, 26, 10, 8, 40, 454726000, time.UTC))
}
