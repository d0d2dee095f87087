package provider_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/payhook/payhook/shared/provider"
)

// The fuzz targets feed arbitrary headers and bodies to each verifier and
// parser. Whatever arrives, a verifier returns one of the contract's errors
// (never a panic, never a success for bytes nobody signed), and a parser
// returns an envelope with an id and a type, or ErrMalformedPayload.
// `go test ./...` runs the seeds added with f.Add below (and any crasher
// `go test -fuzz` saved under testdata/fuzz); docs/benchmarks.md has the
// command that fuzzes for minutes.

var verificationErrors = []error{provider.ErrMissingSignature, provider.ErrInvalidSignature, provider.ErrTimestampOutOfTolerance, provider.ErrMalformedPayload, provider.ErrVerifierUnavailable}

func checkVerifyResult(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("an unsigned fuzzed delivery verified")
	}
	for _, known := range verificationErrors {
		if errors.Is(err, known) {
			return
		}
	}
	t.Fatalf("verification returned an error outside the contract: %v", err)
}

func checkParseResult(t *testing.T, env provider.Envelope, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, provider.ErrMalformedPayload) {
			t.Fatalf("parse returned an error outside the contract: %v", err)
		}
		return
	}
	if env.EventID == "" || env.EventType == "" || len(env.EventID) > provider.MaxEventIDBytes || len(env.EventType) > provider.MaxEventTypeBytes {
		t.Fatalf("parse accepted an envelope without id or type, or out of bounds: %+v", env)
	}
}

var fuzzNow = time.Unix(1700000000, 0)

// errOf keeps only the error of a verification.
func errOf(_ provider.Verified, err error) error { return err }

func FuzzStripe(f *testing.F) {
	f.Add("t=1700000000,v1="+stripeOldSig, []byte(stripeBody))
	f.Add("t=1700000000,v0=ab,v1=zz,v1=", []byte(`{}`))
	f.Add("t=-1,v1=00", []byte(nil))
	keys := provider.Keys{StripeSigningSecrets: []string{"whsec_fuzz"}}
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		d := provider.Delivery{Header: http.Header{"Stripe-Signature": {header}}, Body: body}
		checkVerifyResult(t, errOf(provider.Stripe{}.Verify(context.Background(), d, keys, fuzzNow)))
		env, err := provider.Stripe{}.Parse(d)
		checkParseResult(t, env, err)
	})
}

func FuzzSquare(f *testing.F) {
	f.Add(squareSig1, []byte(squareBody1))
	f.Add("====", []byte(`{"event_id":"x","type":"y"}`))
	keys := provider.Keys{SquareSignatureKeys: []string{"fuzz-key"}, SquareNotificationURL: "https://example.com/webhook/square"}
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		d := provider.Delivery{Header: http.Header{"X-Square-Hmacsha256-Signature": {header}}, Body: body}
		checkVerifyResult(t, errOf(provider.Square{}.Verify(context.Background(), d, keys, fuzzNow)))
		env, err := provider.Square{}.Parse(d)
		checkParseResult(t, env, err)
	})
}

func FuzzStandard(f *testing.F) {
	f.Add(standardID, standardTimestamp, standardHMACSig, []byte(standardBody))
	f.Add(standardID, standardTimestamp, standardEdSig+" v1,"+standardHMACSig[3:], []byte(standardBody))
	f.Add("", "99999999999999999999", "v1a,", []byte(`{"type":""}`))
	keys := provider.Keys{StandardWebhookSecrets: []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSx", standardPublicKey}}
	f.Fuzz(func(t *testing.T, id, timestamp, signature string, body []byte) {
		d := provider.Delivery{Header: http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {timestamp}, "Webhook-Signature": {signature}}, Body: body}
		checkVerifyResult(t, errOf(provider.Standard{}.Verify(context.Background(), d, keys, fuzzNow)))
		env, err := provider.Standard{}.Parse(d)
		checkParseResult(t, env, err)
	})
}

func FuzzPayPal(f *testing.F) {
	body, err := os.ReadFile("testdata/paypal/body.json")
	if err != nil {
		f.Fatal(err)
	}
	chain, err := os.ReadFile("testdata/paypal/cert-chain.pem")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(paypalTransmissionID, paypalTime, paypalSig, paypalCertURL, "SHA256withRSA", body)
	f.Add("x", "y", "====", "https://api.sandbox.paypal.com/v1/notifications/certs/../x", "SHA256withRSA", []byte(`{}`))
	f.Add("x", "y", "AAAA", "https://api.sandbox.paypal.com:8443/v1/notifications/certs/C", "SHA256withRSA", []byte(`{"id":"1","event_type":"2"}`))
	deliveredAt, _ := time.Parse(time.RFC3339, paypalTime)
	// The certificate really is PayPal's, so only the payload can vary: the
	// webhook id differs from the one the published delivery was signed for.
	keys := provider.Keys{PayPalWebhookID: "FUZZ-WEBHOOK"}
	f.Fuzz(func(t *testing.T, transmissionID, transmissionTime, signature, certURL, algorithm string, body []byte) {
		certs := sandboxCerts(t, &fixedFetcher{chain: chain}, deliveredAt)
		d := provider.Delivery{Header: http.Header{
			"Paypal-Transmission-Id": {transmissionID}, "Paypal-Transmission-Time": {transmissionTime}, "Paypal-Transmission-Sig": {signature},
			"Paypal-Cert-Url": {certURL}, "Paypal-Auth-Algo": {algorithm},
		}, Body: body}
		checkVerifyResult(t, errOf(provider.PayPal{Certs: certs}.Verify(context.Background(), d, keys, deliveredAt)))
		env, err := provider.PayPal{}.Parse(d)
		checkParseResult(t, env, err)
	})
}
