package checkout_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/providertest"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/checkout"
)

// Signatures computed independently (Python's hmac, checked with openssl
// dgst -sha256 -hmac) over testdata/bodies/payment_voided.docs.json; see
// testdata/ORIGIN.md. sdkKey is the signature key of Checkout.com's own
// SDK integration tests, sdkAuthorization the Authorization value beside
// it there.
const (
	sdkKey           = "8V8x0dLK%AyD*DNS8JJr"
	sdkSig           = "7378cc6831766abe9857eb890f4dcbd6cc27b86115ed114e0b6081de546bc89f"
	rotationKey      = "payhook-constructed-rotation-key-2"
	rotationSig      = "0f9a490b58ee15b7eb28e228b168e21d36d5731b753ad78a761af9b71665e0c6"
	sdkAuthorization = "70ed20ff-ba31-4ea3-b3ef-772f2be1cbdf"
)

func delivery(t *testing.T, signature, authorization string) provider.Delivery {
	h := http.Header{}
	if signature != "" {
		h.Set("Cko-Signature", signature)
	}
	if authorization != "" {
		h.Set("Authorization", authorization)
	}
	return provider.Delivery{Header: h, Body: docsBody(t, "payment_voided.docs.json")}
}

func TestVerify(t *testing.T) {
	forged := func(d provider.Delivery) provider.Delivery {
		d.Body = []byte(strings.Replace(string(d.Body), `"amount": 20,`, `"amount": 2000,`, 1))
		return d
	}
	keep := func(d provider.Delivery) provider.Delivery { return d }
	cases := []struct {
		name           string
		signature      string
		authorization  string
		change         func(provider.Delivery) provider.Delivery
		signatureKeys  []string
		authorizations []string
		want           error
	}{
		{"one key", sdkSig, "", keep, []string{sdkKey}, nil, nil},
		{"upper-case hex", strings.ToUpper(sdkSig), "", keep, []string{sdkKey}, nil, nil},
		{"rotation: the first of two keys", sdkSig, "", keep, []string{sdkKey, rotationKey}, nil, nil},
		{"rotation: the second of two keys", rotationSig, "", keep, []string{sdkKey, rotationKey}, nil, nil},
		{"forged body", sdkSig, "", forged, []string{sdkKey}, nil, provider.ErrInvalidSignature},
		{"wrong key", sdkSig, "", keep, []string{rotationKey}, nil, provider.ErrInvalidSignature},
		{"no key configured", sdkSig, "", keep, nil, nil, provider.ErrInvalidSignature},
		{"tampered signature", sdkSig[:63] + "0", "", keep, []string{sdkKey}, nil, provider.ErrInvalidSignature},
		{"no header", "", "", keep, []string{sdkKey}, nil, provider.ErrMissingSignature},
		{"63 hex digits", sdkSig[:63], "", keep, []string{sdkKey}, nil, provider.ErrMissingSignature},
		{"65 hex digits", sdkSig + "0", "", keep, []string{sdkKey}, nil, provider.ErrMissingSignature},
		{"64 characters, not hex", strings.Repeat("z", 64), "", keep, []string{sdkKey}, nil, provider.ErrMissingSignature},
		{"a sha256= prefix", "sha256=" + sdkSig, "", keep, []string{sdkKey}, nil, provider.ErrMissingSignature},
		{"two signatures in one header", sdkSig + "," + rotationSig, "", keep, []string{sdkKey, rotationKey}, nil, provider.ErrMissingSignature},
		{"nine candidates is more than any rotation sends", strings.Repeat(rotationSig+",", 8) + sdkSig, "", keep, []string{sdkKey}, nil, provider.ErrMissingSignature},
		{"a header over 2 KiB", sdkSig + strings.Repeat(" ", 2048), "", keep, []string{sdkKey}, nil, provider.ErrMissingSignature},

		{"authorization: matches", sdkSig, sdkAuthorization, keep, []string{sdkKey}, []string{sdkAuthorization}, nil},
		{"authorization: the second of two values", sdkSig, sdkAuthorization, keep, []string{sdkKey}, []string{"retired-value", sdkAuthorization}, nil},
		{"authorization: sent, none configured", sdkSig, "anything", keep, []string{sdkKey}, nil, nil},
		{"authorization: missing", sdkSig, "", keep, []string{sdkKey}, []string{sdkAuthorization}, provider.ErrMissingSignature},
		{"authorization: mismatch", sdkSig, sdkAuthorization[:35] + "e", keep, []string{sdkKey}, []string{sdkAuthorization}, provider.ErrInvalidSignature},
		{"authorization: a prefix of the value", sdkSig, sdkAuthorization[:8], keep, []string{sdkKey}, []string{sdkAuthorization}, provider.ErrInvalidSignature},
		{"authorization: with a scheme Checkout.com does not add", sdkSig, "Bearer " + sdkAuthorization, keep, []string{sdkKey}, []string{sdkAuthorization}, provider.ErrInvalidSignature},
		{"authorization: over 2 KiB", sdkSig, strings.Repeat("a", 2049), keep, []string{sdkKey}, []string{sdkAuthorization}, provider.ErrMissingSignature},
		{"authorization: right, body forged", sdkSig, sdkAuthorization, forged, []string{sdkKey}, []string{sdkAuthorization}, provider.ErrInvalidSignature},
		{"authorization: checked before the HMAC", sdkSig, "", keep, []string{rotationKey}, []string{sdkAuthorization}, provider.ErrMissingSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			keys := provider.Keys{checkout.SignatureKeys: tc.signatureKeys}
			if tc.authorizations != nil {
				keys[checkout.AuthorizationKeys] = tc.authorizations
			}
			d := tc.change(delivery(t, tc.signature, tc.authorization))
			verified, err := checkout.Verifier{}.Verify(context.Background(), d, keys, time.Now())
			is.Equal(err, tc.want)
			if err == nil {
				is.Equal(verified, provider.Verified{Provider: checkout.Name})
			}
		})
	}
}

func TestSignatureMatchesTheIndependentComputation(t *testing.T) {
	is := is.New(t)
	body := docsBody(t, "payment_voided.docs.json")
	is.Equal(checkout.Signature(body, sdkKey), sdkSig)
	is.Equal(checkout.Signature(body, rotationKey), rotationSig)
}

func TestPublishedVectors(t *testing.T) {
	providertest.RunVectors(t, checkout.Provider, provider.Config{}, "testdata/vectors.json")
}

// The Authorization header is a secret: it is never kept with a webhook.
func TestSignatureHeadersKeepNoSecret(t *testing.T) {
	is.New(t).Equal(checkout.Verifier{}.SignatureHeaders(), []string{"Cko-Signature"})
}

func TestSettingsRefuseWhatCouldNeverMatch(t *testing.T) {
	for _, s := range checkout.Provider.Settings[:2] { // the webhook's; the API's have their own test
		for _, value := range []string{"", "key-one,key-two", "secret-with\nnewline", "secret-with\ttab"} {
			t.Run(s.Name, func(t *testing.T) {
				is := is.New(t)
				err := s.Check(value)
				is.True(err != nil)
				is.True(value == "" || !strings.Contains(err.Error(), value)) // the error never quotes the value
			})
		}
		is.New(t).NoErr(s.Check(sdkKey))
	}
}

func TestAuthorizationIsOptional(t *testing.T) {
	is := is.New(t)
	is.True(checkout.Provider.Configured(provider.Keys{checkout.SignatureKeys: {sdkKey}}))
	is.True(!checkout.Provider.Configured(provider.Keys{checkout.AuthorizationKeys: {sdkAuthorization}}))
	is.True(checkout.Provider.CheckKeys(provider.Keys{checkout.AuthorizationKeys: {sdkAuthorization}}) != nil) // half a set-up is an error
}

func TestSign(t *testing.T) {
	is := is.New(t)
	body := docsBody(t, "payment_voided.docs.json")
	d, err := checkout.Provider.Development.Sign(body, provider.Keys{checkout.SignatureKeys: {sdkKey}}, provider.Message{})
	is.NoErr(err)
	is.Equal(d.Header.Get("Cko-Signature"), sdkSig)
	is.Equal(d.Header.Get("Authorization"), "") // none configured, none sent
	is.Equal(d.Body, body)

	d, err = checkout.Provider.Development.Sign(body, provider.Keys{checkout.SignatureKeys: {sdkKey}, checkout.AuthorizationKeys: {sdkAuthorization}}, provider.Message{})
	is.NoErr(err)
	is.Equal(d.Header.Get("Authorization"), sdkAuthorization)

	_, err = checkout.Provider.Development.Sign(body, provider.Keys{checkout.AuthorizationKeys: {sdkAuthorization}}, provider.Message{})
	is.True(errors.Is(err, provider.ErrNoSigningKey))
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		id, typ    string
		at         time.Time
	}{
		{"created_on with seven fractional digits", "payment_voided.docs.json", "evt_m4dpgk7o3xtedhv3diloora7w4", "payment_voided", time.Date(2023, 5, 24, 9, 19, 40, 625251600, time.UTC)},
		{"timestamp instead of created_on", "dispute_lost.docs.json", "evt_2ewyh3rdawmezabpjv5ott4zb4", "dispute_lost", time.Date(2022, 12, 15, 15, 20, 32, 582000000, time.UTC)},
		{"created_on with an offset", "dispute_evidence_required.docs-excerpt.json", "evt_b6anegml5j6u7kwzuzdg6r4sem", "dispute_evidence_required", time.Date(2025, 12, 15, 15, 20, 32, 582000000, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			body := docsBody(t, tc.file)
			envelopes, err := checkout.Verifier{}.Parse(provider.Delivery{Body: body})
			is.NoErr(err)
			is.Equal(envelopes, []provider.Envelope{{EventID: tc.id, EventType: tc.typ, OccurredAt: tc.at, Body: body}})
		})
	}
}

func TestParseLeavesAnOddTimeZero(t *testing.T) {
	is := is.New(t)
	for _, body := range []string{
		`{"id":"evt_1","type":"payment_captured"}`,
		`{"id":"evt_1","type":"payment_captured","created_on":1684920000}`,
		`{"id":"evt_1","type":"payment_captured","created_on":"yesterday","timestamp":null}`,
	} {
		envelopes, err := checkout.Verifier{}.Parse(provider.Delivery{Body: []byte(body)})
		is.NoErr(err)
		is.True(envelopes[0].OccurredAt.IsZero())
	}
	envelopes, err := checkout.Verifier{}.Parse(provider.Delivery{Body: []byte(`{"id":"evt_1","type":"payment_captured","created_on":"odd","timestamp":"2023-05-24T09:12:32.357+00:00"}`)})
	is.NoErr(err)
	is.Equal(envelopes[0].OccurredAt, time.Date(2023, 5, 24, 9, 12, 32, 357000000, time.UTC))
}

func TestParseRefusesWhatIsNoEvent(t *testing.T) {
	for _, body := range []string{``, `not json`, `[]`, `{"type":"payment_captured"}`, `{"id":"evt_1"}`, `{"id":"evt_1\n","type":"payment_captured"}`,
		`{"id":"` + strings.Repeat("e", 257) + `","type":"payment_captured"}`} {
		_, err := checkout.Verifier{}.Parse(provider.Delivery{Body: []byte(body)})
		is.New(t).Equal(err, provider.ErrMalformedPayload)
	}
}

func FuzzVerify(f *testing.F) {
	body, err := os.ReadFile("testdata/bodies/payment_voided.docs.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sdkSig, sdkAuthorization, body)
	f.Add(strings.ToUpper(sdkSig), "", []byte(`{"id":"evt_1","type":"payment_captured"}`))
	f.Add("sha256=00", "Bearer x", []byte(nil))
	keys := provider.Keys{checkout.SignatureKeys: {"fuzz-key"}, checkout.AuthorizationKeys: {"fuzz-authorization"}}
	f.Fuzz(func(t *testing.T, signature, authorization string, body []byte) {
		d := provider.Delivery{Header: http.Header{"Cko-Signature": {signature}, "Authorization": {authorization}}, Body: body}
		_, err := checkout.Verifier{}.Verify(context.Background(), d, keys, time.Now())
		providertest.CheckFuzzedVerify(t, err)
		envelopes, err := checkout.Verifier{}.Parse(d)
		providertest.CheckFuzzedParse(t, envelopes, err)
	})
}
