package stripe_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/providertest"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/stripe"
)

// Signatures computed independently (Python's hmac) for this body and t.
const (
	stripeBody      = `{"id":"evt_1","type":"payment_intent.succeeded","created":1700000000}`
	stripeSignedAt  = 1700000000
	stripeOldSecret = "whsec_old_secret"
	stripeOldSig    = "c7dfec721294065c62bfb58d8bb2e182733732430dce18d3d4e03d020a588a2d"
	stripeNewSecret = "whsec_new_secret"
	stripeNewSig    = "888205c3724d4faa735b9bd3c3c63f45205927e8b30d890258b544edff34440d"
)

func stripeDelivery(header, body string) provider.Delivery {
	h := http.Header{}
	if header != "" {
		h.Set("Stripe-Signature", header)
	}
	return provider.Delivery{Header: h, Body: []byte(body)}
}

func TestVerify(t *testing.T) {
	signedAt := time.Unix(stripeSignedAt, 0)
	both := "t=1700000000,v1=" + stripeNewSig + ",v1=" + stripeOldSig
	cases := []struct {
		name    string
		header  string
		body    string
		secrets []string
		now     time.Time
		want    error
	}{
		{"one v1, one secret", "t=1700000000,v1=" + stripeOldSig, stripeBody, []string{stripeOldSecret}, signedAt, nil},
		{"rotation: two v1, only the old secret active", both, stripeBody, []string{stripeOldSecret}, signedAt, nil},
		{"rotation: two v1, only the new secret active", both, stripeBody, []string{stripeNewSecret}, signedAt, nil},
		{"rotation: one v1, second of two active secrets", "t=1700000000,v1=" + stripeNewSig, stripeBody, []string{stripeOldSecret, stripeNewSecret}, signedAt, nil},
		{"v0 and unknown keys ignored beside a good v1", "t=1700000000,v0=abcd,v1=" + stripeOldSig + ",x=1", stripeBody, []string{stripeOldSecret}, signedAt, nil},
		{"tolerance: 299 s late", "t=1700000000,v1=" + stripeOldSig, stripeBody, []string{stripeOldSecret}, signedAt.Add(299 * time.Second), nil},
		{"tolerance: 299 s early", "t=1700000000,v1=" + stripeOldSig, stripeBody, []string{stripeOldSecret}, signedAt.Add(-299 * time.Second), nil},
		{"tolerance: 301 s late", "t=1700000000,v1=" + stripeOldSig, stripeBody, []string{stripeOldSecret}, signedAt.Add(301 * time.Second), provider.ErrTimestampOutOfTolerance},
		{"tolerance: 301 s in the future", "t=1700000000,v1=" + stripeOldSig, stripeBody, []string{stripeOldSecret}, signedAt.Add(-301 * time.Second), provider.ErrTimestampOutOfTolerance},
		{"tampered body", "t=1700000000,v1=" + stripeOldSig, stripeBody + " ", []string{stripeOldSecret}, signedAt, provider.ErrInvalidSignature},
		{"tampered timestamp", "t=1700000001,v1=" + stripeOldSig, stripeBody, []string{stripeOldSecret}, signedAt, provider.ErrInvalidSignature},
		{"tampered signature", "t=1700000000,v1=" + stripeOldSig[:63] + "0", stripeBody, []string{stripeOldSecret}, signedAt, provider.ErrInvalidSignature},
		{"secret no longer active", "t=1700000000,v1=" + stripeOldSig, stripeBody, []string{stripeNewSecret}, signedAt, provider.ErrInvalidSignature},
		{"forged and stale says invalid, not stale", "t=1700000000,v1=" + stripeNewSig, stripeBody, []string{stripeOldSecret}, signedAt.Add(time.Hour), provider.ErrInvalidSignature},
		{"v0 only", "t=1700000000,v0=" + stripeOldSig, stripeBody, []string{stripeOldSecret}, signedAt, provider.ErrMissingSignature},
		{"no timestamp", "v1=" + stripeOldSig, stripeBody, []string{stripeOldSecret}, signedAt, provider.ErrMissingSignature},
		{"timestamp not a number", "t=abc,v1=" + stripeOldSig, stripeBody, []string{stripeOldSecret}, signedAt, provider.ErrMissingSignature},
		{"no header", "", stripeBody, []string{stripeOldSecret}, signedAt, provider.ErrMissingSignature},
		{"v1 not hex is malformed", "t=1700000000,v1=zz", stripeBody, []string{stripeOldSecret}, signedAt, provider.ErrMissingSignature},
		{"v1 of the wrong length is dropped before any MAC", "t=1700000000,v1=" + stripeOldSig[:62], stripeBody, []string{stripeOldSecret}, signedAt, provider.ErrMissingSignature},
		{"8 v1, the good one last", "t=1700000000" + strings.Repeat(",v1="+stripeNewSig, 7) + ",v1=" + stripeOldSig, stripeBody, []string{stripeOldSecret}, signedAt, nil},
		{"9 v1 is more than any rotation sends", "t=1700000000" + strings.Repeat(",v1="+stripeNewSig, 8) + ",v1=" + stripeOldSig, stripeBody, []string{stripeOldSecret}, signedAt, provider.ErrMissingSignature},
		{"a header over 2 KiB", "t=1700000000,v1=" + stripeOldSig + strings.Repeat(",x=1", 600), stripeBody, []string{stripeOldSecret}, signedAt, provider.ErrMissingSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			keys := provider.Keys{stripe.SigningSecrets: tc.secrets}
			_, err := stripe.Verifier{}.Verify(context.Background(), stripeDelivery(tc.header, tc.body), keys, tc.now)
			is.Equal(err, tc.want)
		})
	}
}

func TestSignatureMatchesPublishedScheme(t *testing.T) {
	is := is.New(t)
	header := stripe.Signature([]byte(stripeBody), stripeOldSecret, time.Unix(stripeSignedAt, 0))
	is.Equal(header, "t=1700000000,v1="+stripeOldSig)
}

func TestParse(t *testing.T) {
	is := is.New(t)
	env, err := stripe.Verifier{}.Parse(stripeDelivery("", stripeBody))
	is.NoErr(err)
	is.Equal(env, []provider.Envelope{{EventID: "evt_1", EventType: "payment_intent.succeeded", OccurredAt: time.Unix(stripeSignedAt, 0).UTC(), Body: []byte(stripeBody)}})

	for _, body := range []string{``, `not json`, `{"type":"x"}`, `{"id":"evt_1"}`, `[]`} {
		_, err := stripe.Verifier{}.Parse(stripeDelivery("", body))
		is.Equal(err, provider.ErrMalformedPayload)
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("t=1700000000,v1="+stripeOldSig, []byte(stripeBody))
	f.Add("t=1700000000,v0=ab,v1=zz,v1=", []byte(`{}`))
	f.Add("t=-1,v1=00", []byte(nil))
	keys := provider.Keys{stripe.SigningSecrets: {"whsec_fuzz"}}
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		d := provider.Delivery{Header: http.Header{"Stripe-Signature": {header}}, Body: body}
		_, err := stripe.Verifier{}.Verify(context.Background(), d, keys, time.Unix(1700000000, 0))
		providertest.CheckFuzzedVerify(t, err)
		envelopes, err := stripe.Verifier{}.Parse(d)
		providertest.CheckFuzzedParse(t, envelopes, err)
	})
}

func TestPublishedVectors(t *testing.T) {
	providertest.RunVectors(t, stripe.Provider, provider.Config{}, "testdata/vectors.json")
}
