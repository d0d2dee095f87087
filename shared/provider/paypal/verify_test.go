package paypal_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/forge"
	"github.com/payhook/payhook/internal/providertest"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/paypal"
)

// The real sandbox delivery of paypal/PayPal-Java-SDK's ValidateCertTest.
const (
	paypalWebhookID      = "0FV983392A0531201"
	paypalCertURL        = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270"
	paypalTransmissionID = "afa30d40-ca4a-11e9-ab68-7d4e2605c70c"
	paypalTime           = "2019-08-29T10:49:33Z"
	paypalSig            = "K7DF5+hOyGS6v0xTZ9PkEO+BFNQmpryxw2hFlXbHgmxpu+883ldEC9HcL6ccEmB8sfy80y/Q3qcZZL1MR8Qi0e1ysylVj/yROgKK6zBsQPoNmgXC8yTiNoAjULuhk5Aoau0Itk3nrkgAfji1zvADlErMFM9VZe2nDvhM3nDMLjCi/K5fRjWp3eGo6Nx17GX/WIEibeKDyS+YdJMex3i+KO4aWmm9zznC/FJ5Y/ntd0MxOJNrM0r0f3y7c3e3sO5pB3oPgN6KzKVS5P6AWHqtS8acD3DjgCKZ1uqKz7q954G1aBz2/m0wRGOFFsv0/D3FE2uIheRRmoQtVSOAX7Aupg=="
)

// fixedFetcher serves one PEM chain for any URL and counts its calls.
type fixedFetcher struct {
	chain []byte
	err   error
	calls atomic.Int32
}

func (f *fixedFetcher) Fetch(context.Context, string) ([]byte, error) {
	f.calls.Add(1)
	return f.chain, f.err
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return b
}

// sandboxCerts trusts the DigiCert root explicitly, with the clock pinned to
// the delivery: the certificate expired in 2021.
func sandboxCerts(t *testing.T, fetcher paypal.CertFetcher, now time.Time) *paypal.Certs {
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(readFixture(t, "digicert-ev-root.pem")) {
		t.Fatal("root fixture does not parse")
	}
	certs := paypal.NewCerts(nil, true)
	certs.Fetcher, certs.Roots, certs.Now = fetcher, roots, func() time.Time { return now }
	return certs
}

func paypalDelivery(body []byte, override map[string]string) provider.Delivery {
	h := http.Header{}
	h.Set("PAYPAL-TRANSMISSION-ID", paypalTransmissionID)
	h.Set("PAYPAL-TRANSMISSION-TIME", paypalTime)
	h.Set("PAYPAL-TRANSMISSION-SIG", paypalSig)
	h.Set("PAYPAL-CERT-URL", paypalCertURL)
	h.Set("PAYPAL-AUTH-ALGO", "SHA256withRSA")
	for name, value := range override {
		if value == "" {
			h.Del(name)
		} else {
			h.Set(name, value)
		}
	}
	return provider.Delivery{Header: h, Body: body}
}

func TestPayPalVerifiesPublishedSandboxDelivery(t *testing.T) {
	body := readFixture(t, "body.json")
	deliveredAt, _ := time.Parse(time.RFC3339, paypalTime)
	cases := []struct {
		name      string
		body      []byte
		override  map[string]string
		webhookID string
		now       time.Time
		want      error
	}{
		{"published delivery", body, nil, paypalWebhookID, deliveredAt, nil},
		{"tampered body", append([]byte(" "), body...), nil, paypalWebhookID, deliveredAt, provider.ErrInvalidSignature},
		{"other webhook id", body, nil, "NotToBeFound", deliveredAt, provider.ErrInvalidSignature},
		{"tampered transmission id", body, map[string]string{"PAYPAL-TRANSMISSION-ID": "bfa30d40-ca4a-11e9-ab68-7d4e2605c70c"}, paypalWebhookID, deliveredAt, provider.ErrInvalidSignature},
		{"tampered transmission time", body, map[string]string{"PAYPAL-TRANSMISSION-TIME": "2019-08-29T10:49:34Z"}, paypalWebhookID, deliveredAt, provider.ErrInvalidSignature},
		{"tampered signature", body, map[string]string{"PAYPAL-TRANSMISSION-SIG": "L" + paypalSig[1:]}, paypalWebhookID, deliveredAt, provider.ErrInvalidSignature},
		{"certificate expired at verification time", body, nil, paypalWebhookID, time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), provider.ErrInvalidSignature},
		{"cert URL on another host", body, map[string]string{"PAYPAL-CERT-URL": "https://evil.example/v1/notifications/certs/CERT-1"}, paypalWebhookID, deliveredAt, provider.ErrInvalidSignature},
		{"cert URL over http", body, map[string]string{"PAYPAL-CERT-URL": "http://api.sandbox.paypal.com/v1/notifications/certs/CERT-1"}, paypalWebhookID, deliveredAt, provider.ErrInvalidSignature},
		{"cert URL outside the certs path", body, map[string]string{"PAYPAL-CERT-URL": "https://api.sandbox.paypal.com/v1/notifications/certs/../../oauth2/x"}, paypalWebhookID, deliveredAt, provider.ErrInvalidSignature},
		{"cert URL with user info", body, map[string]string{"PAYPAL-CERT-URL": "https://api.sandbox.paypal.com@evil.example/v1/notifications/certs/CERT-1"}, paypalWebhookID, deliveredAt, provider.ErrInvalidSignature},
		{"other algorithm", body, map[string]string{"PAYPAL-AUTH-ALGO": "SHA1withRSA"}, paypalWebhookID, deliveredAt, provider.ErrMissingSignature},
		{"no signature", body, map[string]string{"PAYPAL-TRANSMISSION-SIG": ""}, paypalWebhookID, deliveredAt, provider.ErrMissingSignature},
		{"no cert URL", body, map[string]string{"PAYPAL-CERT-URL": ""}, paypalWebhookID, deliveredAt, provider.ErrMissingSignature},
		{"transmission time not a time", body, map[string]string{"PAYPAL-TRANSMISSION-TIME": "yesterday"}, paypalWebhookID, deliveredAt, provider.ErrMissingSignature},
		{"verified 4 minutes after transmission", body, nil, paypalWebhookID, deliveredAt.Add(4 * time.Minute), nil},
		{"verified 6 minutes after transmission", body, nil, paypalWebhookID, deliveredAt.Add(6 * time.Minute), provider.ErrTimestampOutOfTolerance},
		{"verified 6 minutes before transmission", body, nil, paypalWebhookID, deliveredAt.Add(-6 * time.Minute), provider.ErrTimestampOutOfTolerance},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			fetcher := &fixedFetcher{chain: readFixture(t, "cert-chain.pem")}
			verifier := paypal.Verifier{Certs: sandboxCerts(t, fetcher, tc.now)}
			_, err := verifier.Verify(context.Background(), paypalDelivery(tc.body, tc.override), provider.Keys{paypal.WebhookID: {tc.webhookID}}, tc.now)
			is.Equal(err, tc.want)
		})
	}
}

// TestPayPalSignatureBindsACRC32NotTheBody performs the attack on PayPal's
// published sandbox delivery: a new body with the same CRC32 verifies under
// PayPal's real signature. Verification alone cannot tell; it therefore
// names the transmission, which the receiver binds to the body's digest.
func TestPayPalSignatureBindsACRC32NotTheBody(t *testing.T) {
	is := is.New(t)
	deliveredAt, _ := time.Parse(time.RFC3339, paypalTime)
	genuine := readFixture(t, "body.json")
	forged, err := forge.SameCRC32(genuine, []byte(`{"id":"WH-FORGED","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"CAPTURE-1","amount":{"currency_code":"USD","value":"9999.00"},"custom_id":"`+forge.CRC32Placeholder+`"}}`))
	is.NoErr(err)
	verifier := paypal.Verifier{Certs: sandboxCerts(t, &fixedFetcher{chain: readFixture(t, "cert-chain.pem")}, deliveredAt)}
	verified, err := verifier.Verify(context.Background(), paypalDelivery(forged, nil), provider.Keys{paypal.WebhookID: {paypalWebhookID}}, deliveredAt)
	is.NoErr(err) // PayPal's scheme accepts it
	is.Equal(verified, provider.Verified{Provider: "paypal", Transmission: paypalTransmissionID})
}

func TestPayPalSignedContentUsesUnsignedDecimalCRC32(t *testing.T) {
	is := is.New(t)
	content := paypal.SignedContent(paypalTransmissionID, paypalTime, paypalWebhookID, readFixture(t, "body.json"))
	is.Equal(string(content), paypalTransmissionID+"|"+paypalTime+"|"+paypalWebhookID+"|3674300368")
}

func TestPayPalCertificateTrust(t *testing.T) {
	deliveredAt, _ := time.Parse(time.RFC3339, paypalTime)
	ctx := context.Background()

	t.Run("sandbox hosts are refused unless enabled", func(t *testing.T) {
		is := is.New(t)
		certs := sandboxCerts(t, &fixedFetcher{chain: readFixture(t, "cert-chain.pem")}, deliveredAt)
		certs.Hosts = paypal.LiveCertHosts
		_, err := certs.Certificate(ctx, paypalCertURL)
		is.True(err != nil)
	})
	t.Run("a chain to an untrusted root is refused", func(t *testing.T) {
		is := is.New(t)
		certs := sandboxCerts(t, &fixedFetcher{chain: readFixture(t, "cert-chain.pem")}, deliveredAt)
		certs.Roots = x509.NewCertPool()
		_, err := certs.Certificate(ctx, paypalCertURL)
		is.True(err != nil)
		is.True(!errors.Is(err, provider.ErrVerifierUnavailable))
	})
	t.Run("a leaf without the live CN is refused by a live-only verifier", func(t *testing.T) {
		is := is.New(t)
		certs := sandboxCerts(t, &fixedFetcher{chain: readFixture(t, "cert-chain.pem")}, deliveredAt)
		certs.CommonNames = []string{"messageverificationcerts.paypal.com"}
		_, err := certs.Certificate(ctx, paypalCertURL)
		is.True(err != nil)
	})
	t.Run("a verified certificate is cached", func(t *testing.T) {
		is := is.New(t)
		fetcher := &fixedFetcher{chain: readFixture(t, "cert-chain.pem")}
		certs := sandboxCerts(t, fetcher, deliveredAt)
		for range 3 {
			_, err := certs.Certificate(ctx, paypalCertURL)
			is.NoErr(err)
		}
		is.Equal(fetcher.calls.Load(), int32(1))
	})
	t.Run("a failed fetch is unavailable, so PayPal retries", func(t *testing.T) {
		is := is.New(t)
		certs := sandboxCerts(t, &fixedFetcher{err: errors.New("connection reset")}, deliveredAt)
		_, err := certs.Certificate(ctx, paypalCertURL)
		is.True(errors.Is(err, provider.ErrVerifierUnavailable))
	})
	t.Run("a certificate PayPal does not have is a forgery", func(t *testing.T) {
		is := is.New(t)
		fetcher := &fixedFetcher{err: paypal.ErrCertificateNotFound}
		_, err := paypal.Verifier{Certs: sandboxCerts(t, fetcher, deliveredAt)}.Verify(ctx, paypalDelivery(readFixture(t, "body.json"), nil), provider.Keys{paypal.WebhookID: {paypalWebhookID}}, deliveredAt)
		is.Equal(err, provider.ErrInvalidSignature)
	})
}

// TestDevPayPalIsTrustedOnlyByADevelopmentVerifier: a local run trusts its
// own generated CA explicitly, as `payhook send` needs; production trust
// (system roots) refuses the very same delivery.
func TestDevPayPalIsTrustedOnlyByADevelopmentVerifier(t *testing.T) {
	is := is.New(t)
	now := time.Now()
	dev, err := paypal.NewDevSigner(now, time.Hour)
	is.NoErr(err)
	body := []byte(`{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED","create_time":"2026-11-27T10:00:00Z"}`)
	header, err := dev.Sign(body, "WEBHOOK-1", "tx-1", now)
	is.NoErr(err)
	delivery := provider.Delivery{Header: header, Body: body}
	keys := provider.Keys{paypal.WebhookID: {"WEBHOOK-1"}}

	is.NoErr(errOf(paypal.Verifier{Certs: dev.Certs()}.Verify(context.Background(), delivery, keys, now)))

	prod := paypal.NewCerts(nil, true)
	prod.Fetcher = &fixedFetcher{chain: dev.Chain}
	is.Equal(errOf(paypal.Verifier{Certs: prod}.Verify(context.Background(), delivery, keys, now)), provider.ErrInvalidSignature)

	other := provider.Keys{paypal.WebhookID: {"WEBHOOK-2"}}
	is.Equal(errOf(paypal.Verifier{Certs: dev.Certs()}.Verify(context.Background(), delivery, other, now)), provider.ErrInvalidSignature)
}

func TestHTTPSCertFetcher(t *testing.T) {
	chain := readFixture(t, "cert-chain.pem")
	server := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/notifications/certs/CERT-1":
			w.Write(chain)
		case "/v1/notifications/certs/moved":
			http.Redirect(w, r, "https://evil.example/cert", http.StatusFound)
		case "/v1/notifications/certs/broken":
			w.WriteHeader(http.StatusInternalServerError)
		default:
			http.NotFound(w, r)
		}
	}))
	defer server.Close()
	fetcher := paypal.HTTPSCertFetcher{Client: server.Client()}
	ctx := context.Background()
	is := is.New(t)

	got, err := fetcher.Fetch(ctx, server.URL+"/v1/notifications/certs/CERT-1")
	is.NoErr(err)
	is.Equal(got, chain)

	_, err = fetcher.Fetch(ctx, server.URL+"/v1/notifications/certs/CERT-unknown")
	is.Equal(err, paypal.ErrCertificateNotFound)

	_, err = fetcher.Fetch(ctx, server.URL+"/v1/notifications/certs/moved") // redirects are not followed
	is.True(err != nil)

	_, err = fetcher.Fetch(ctx, server.URL+"/v1/notifications/certs/broken")
	is.True(err != nil && !errors.Is(err, paypal.ErrCertificateNotFound))
}

func TestParse(t *testing.T) {
	is := is.New(t)
	body := readFixture(t, "body.json")
	env, err := paypal.Verifier{}.Parse(provider.Delivery{Body: body})
	is.NoErr(err)
	is.Equal(env, []provider.Envelope{{
		EventID: "WH-7MU294299R542214K-4N1831857K851783H", EventType: "PAYMENTS.PAYMENT.CREATED",
		OccurredAt: time.Date(2019, 8, 29, 10, 49, 3, 439000000, time.UTC), Body: body,
	}})
}

func TestDevPayPalSurvivesARoundTripThroughPEM(t *testing.T) {
	is := is.New(t)
	now := time.Now()
	dev, err := paypal.NewDevSigner(now, time.Hour)
	is.NoErr(err)
	encoded, err := dev.MarshalPEM()
	is.NoErr(err)
	back, err := paypal.ParseDevSigner(encoded)
	is.NoErr(err)
	body := []byte(`{"id":"WH-2"}`)
	header, err := back.Sign(body, "WEBHOOK-1", "tx-2", now)
	is.NoErr(err)
	// Signed by the reloaded signer, verified by the original's trust.
	is.NoErr(errOf(paypal.Verifier{Certs: dev.Certs()}.Verify(context.Background(), provider.Delivery{Header: header, Body: body}, provider.Keys{paypal.WebhookID: {"WEBHOOK-1"}}, now)))
}

// errOf keeps only the error of a verification.
func errOf(_ provider.Verified, err error) error { return err }

func FuzzVerify(f *testing.F) {
	body, err := os.ReadFile("testdata/body.json")
	if err != nil {
		f.Fatal(err)
	}
	chain, err := os.ReadFile("testdata/cert-chain.pem")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(paypalTransmissionID, paypalTime, paypalSig, paypalCertURL, "SHA256withRSA", body)
	f.Add("x", "y", "====", "https://api.sandbox.paypal.com/v1/notifications/certs/../x", "SHA256withRSA", []byte(`{}`))
	f.Add("x", "y", "AAAA", "https://api.sandbox.paypal.com:8443/v1/notifications/certs/C", "SHA256withRSA", []byte(`{"id":"1","event_type":"2"}`))
	deliveredAt, _ := time.Parse(time.RFC3339, paypalTime)
	// The certificate really is PayPal's, so only the payload can vary: the
	// webhook id differs from the one the published delivery was signed for.
	keys := provider.Keys{paypal.WebhookID: {"FUZZ-WEBHOOK"}}
	f.Fuzz(func(t *testing.T, transmissionID, transmissionTime, signature, certURL, algorithm string, body []byte) {
		certs := sandboxCerts(t, &fixedFetcher{chain: chain}, deliveredAt)
		d := provider.Delivery{Header: http.Header{
			"Paypal-Transmission-Id": {transmissionID}, "Paypal-Transmission-Time": {transmissionTime}, "Paypal-Transmission-Sig": {signature},
			"Paypal-Cert-Url": {certURL}, "Paypal-Auth-Algo": {algorithm},
		}, Body: body}
		providertest.CheckFuzzedVerify(t, errOf(paypal.Verifier{Certs: certs}.Verify(context.Background(), d, keys, deliveredAt)))
		envelopes, err := paypal.Verifier{}.Parse(d)
		providertest.CheckFuzzedParse(t, envelopes, err)
	})
}

func TestPublishedVectors(t *testing.T) {
	deliveredAt, _ := time.Parse(time.RFC3339, paypalTime)
	certs := sandboxCerts(t, &fixedFetcher{chain: readFixture(t, "cert-chain.pem")}, deliveredAt)
	providertest.RunVectors(t, paypal.Provider, provider.Config{Certificates: certs}, "testdata/vectors.json")
}
