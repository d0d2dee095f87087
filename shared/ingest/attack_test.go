package ingest_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/forge"
	"github.com/payhook/payhook/shared/ingest"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/paypal"
	"github.com/payhook/payhook/shared/provider/standard"
	"github.com/payhook/payhook/shared/secrets"
	"github.com/payhook/payhook/shared/store"
)

// Each test here performs an attack against the receiver, as an attacker
// would, and checks that it fails with nothing stored.

// onEveryStore runs fn against the receiver on each store: the embedded
// one here, DynamoDB Local where stores_dynamodb_test.go is built.
func onEveryStore(t *testing.T, fn func(t *testing.T, h *harness)) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) { fn(t, newHarness(t, s.open(t))) })
	}
}

// storeBackend opens a fresh store for one test; nil means newHarness's
// own embedded store.
type storeBackend struct {
	name string
	open func(t *testing.T) store.Webhooks
}

// stores are the backends the receiver's attack tests run on.
var stores = []storeBackend{{"embedded", func(*testing.T) store.Webhooks { return nil }}}

const genuinePayPalBody = `{"id":"WH-GENUINE-1","event_type":"PAYMENT.CAPTURE.COMPLETED","create_time":"2026-11-27T11:59:57Z","resource":{"id":"CAPTURE-GENUINE","amount":{"currency_code":"USD","value":"20.00"}}}`

// forgedPayPalBody is a new event for 9999.00 USD whose CRC32 equals the
// genuine body's, so PayPal's signature of the genuine one verifies it.
func forgedPayPalBody(t *testing.T) []byte {
	t.Helper()
	template := `{"id":"WH-FORGED-1","event_type":"PAYMENT.CAPTURE.COMPLETED","create_time":"2026-11-27T11:59:58Z","resource":{"id":"CAPTURE-FORGED","amount":{"currency_code":"USD","value":"9999.00"},"custom_id":"` + forge.CRC32Placeholder + `"}}`
	forged, err := forge.SameCRC32([]byte(genuinePayPalBody), []byte(template))
	if err != nil {
		t.Fatal(err)
	}
	return forged
}

func TestPayPalBodyForgedToTheSameCRC32IsRefused(t *testing.T) {
	onEveryStore(t, func(t *testing.T, h *harness) {
		is := is.New(t)
		ctx := context.Background()
		genuine := h.signed(t, "paypal", genuinePayPalBody, h.now)
		forged := genuine
		forged.Body = forgedPayPalBody(t)

		// The attack is real: PayPal's own check passes the forged body.
		_, err := paypal.Verifier{Certs: devCerts(t)}.Verify(ctx, provider.Delivery{Header: forged.Header, Body: forged.Body}, h.keys, h.now)
		is.NoErr(err)

		is.Equal(string(h.receiver.Handle(ctx, genuine).Body), `{"status":"accepted","id":"WH-GENUINE-1"}`)
		puts := h.store.puts.Load()
		resp := h.receiver.Handle(ctx, forged)
		is.Equal(resp.Status, 401)
		is.Equal(string(resp.Body), `{"error":"invalid_signature"}`)
		is.Equal(h.store.puts.Load(), puts) // nothing stored
		_, err = h.store.GetWebhook(ctx, "paypal", "WH-FORGED-1")
		is.True(errors.Is(err, store.ErrNotFound))
		is.True(strings.Contains(h.logs.String(), "a body forged to the same CRC32"))
		is.True(strings.Contains(h.logs.String(), `"event_id":"WH-FORGED-1"`))                                             // what was attempted
		is.True(strings.Contains(h.logs.String(), `"transmission_id":"`+genuine.Header.Get("Paypal-Transmission-Id")+`"`)) // with whose headers

		// PayPal's genuine redelivery of that transmission is still a duplicate.
		is.Equal(string(h.receiver.Handle(ctx, genuine).Body), `{"status":"duplicate","id":"WH-GENUINE-1"}`)
	})
}

func TestPayPalTransmissionTimeIsBounded(t *testing.T) {
	cases := []struct {
		name     string
		signedAt time.Duration // relative to now
		status   int
	}{
		{"4 minutes old", -4 * time.Minute, 200},
		{"4 minutes ahead", 4 * time.Minute, 200},
		{"6 minutes old", -6 * time.Minute, 401},
		{"6 minutes ahead", 6 * time.Minute, 401},
		// Headers whose binding may have expired with the retention window
		// can never be used again, with any body.
		{"older than the retention", -store.DefaultRetention - time.Hour, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			h := newHarness(t, nil)
			resp := h.receiver.Handle(context.Background(), h.signed(t, "paypal", bodies["paypal"], h.now.Add(tc.signedAt)))
			is.Equal(resp.Status, tc.status)
			if tc.status == 401 {
				is.Equal(string(resp.Body), `{"error":"timestamp_out_of_tolerance"}`)
				is.Equal(h.store.puts.Load(), int32(0))
			}
		})
	}
}

// standardSignatureWithCandidates is a webhook-signature header with n
// distinct candidates of the right shape, none of them valid.
func standardSignatureWithCandidates(n int) string {
	candidates := make([]string, n)
	for i := range candidates {
		sum := sha256.Sum256([]byte(strconv.Itoa(i)))
		candidates[i] = "v1," + base64.StdEncoding.EncodeToString(sum[:])
	}
	return strings.Join(candidates, " ")
}

func TestStandardHeaderThatMultipliesWorkIsRefused(t *testing.T) {
	cases := []struct {
		name   string
		header func(genuine string) string
		status int
		body   string
	}{
		{"10,000 candidates", func(string) string { return standardSignatureWithCandidates(10000) }, 400, `{"error":"missing_signature"}`},
		{"one candidate over the cap, the genuine one among them", func(genuine string) string {
			return standardSignatureWithCandidates(provider.MaxSignatureCandidates) + " " + genuine
		}, 400, `{"error":"missing_signature"}`},
		{"a header over 2 KiB", func(genuine string) string { return genuine + strings.Repeat(" ", 2048) }, 400, `{"error":"missing_signature"}`},
		{"the genuine one among candidates up to the cap", func(genuine string) string {
			return standardSignatureWithCandidates(provider.MaxSignatureCandidates-1) + " " + genuine
		}, 200, `{"status":"accepted","id":"` + eventIDs["standard"] + `"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			h := newHarness(t, nil)
			req := h.signed(t, "standard", bodies["standard"], h.now)
			req.Header.Set("Webhook-Signature", tc.header(req.Header.Get("Webhook-Signature")))
			resp := h.receiver.Handle(context.Background(), req)
			is.Equal(resp.Status, tc.status)
			is.Equal(string(resp.Body), tc.body)
		})
	}
}

func TestStandardSenderCannotWriteAnotherSendersEvents(t *testing.T) {
	const (
		acme    = "whsec_YWNtZS1zaWduaW5nLXNlY3JldC0xMjM0NTY3OA=="
		billing = "whsec_YmlsbGluZy1zaWduaW5nLXNlY3JldC0xMjM0NTY="
	)
	onEveryStore(t, func(t *testing.T, h *harness) {
		is := is.New(t)
		ctx := context.Background()
		keys := testKeys(t)
		keys[standard.Secrets] = []string{"acme=" + acme, "billing=" + billing}
		h.receiver.Keys = secrets.Static(keys)
		send := func(secret, body string) ingest.Request {
			return h.signedWith(t, provider.Keys{standard.Secrets: {secret}}, "standard", body, "msg_shared_id", h.now)
		}
		// billing's key holder sends first, with the id acme will use...
		first := h.receiver.Handle(ctx, send("billing="+billing, `{"type":"payment.refunded","data":{"payment_id":"pay_1","amount":2000}}`))
		is.Equal(first.Status, 200)
		// ...and acme's own event is still accepted, not a duplicate.
		second := h.receiver.Handle(ctx, send("acme="+acme, `{"type":"payment.succeeded","data":{"payment_id":"pay_1","amount":2000}}`))
		is.Equal(string(second.Body), `{"status":"accepted","id":"msg_shared_id"}`)

		acmeEvent, err := h.store.GetWebhook(ctx, "standard:acme", "msg_shared_id")
		is.NoErr(err)
		is.True(strings.Contains(string(acmeEvent.Body), "payment.succeeded"))
		billingEvent, err := h.store.GetWebhook(ctx, "standard:billing", "msg_shared_id")
		is.NoErr(err)
		is.True(strings.Contains(string(billingEvent.Body), "payment.refunded"))

		// A delivery signed by both senders' keys belongs to neither.
		both := send("acme="+acme, `{"type":"payment.failed","data":{"payment_id":"pay_2"}}`)
		other := send("billing="+billing, `{"type":"payment.failed","data":{"payment_id":"pay_2"}}`)
		both.Header.Set("Webhook-Signature", both.Header.Get("Webhook-Signature")+" "+other.Header.Get("Webhook-Signature"))
		is.Equal(h.receiver.Handle(ctx, both).Status, 401)
	})
}

func TestBareStandardKeysKeepTheirProviderName(t *testing.T) {
	is := is.New(t)
	h := newHarness(t, nil)
	is.Equal(h.receiver.Handle(context.Background(), h.signed(t, "standard", bodies["standard"], h.now)).Status, 200)
	_, err := h.store.GetWebhook(context.Background(), "standard", eventIDs["standard"])
	is.NoErr(err) // stored as before senders existed: the dedup window carries over
}

func TestIdentifiersThatWouldFailTheStoreAreMalformed(t *testing.T) {
	cases := []struct {
		name     string
		provider string
		body     string
		header   map[string]string
	}{
		{"stripe: event id over 256 bytes", "stripe", `{"id":"evt_` + strings.Repeat("x", 300) + `","type":"charge.succeeded"}`, nil},
		{"stripe: event type over 128 bytes", "stripe", `{"id":"evt_1","type":"` + strings.Repeat("t", 200) + `"}`, nil},
		{"square: control characters in the event id", "square", `{"event_id":"evt\u001b[2J","type":"payment.updated"}`, nil},
		{"standard: webhook-id not UTF-8", "standard", `{"type":"payment.succeeded"}`, map[string]string{"Webhook-Id": "msg_\xff\xfe"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			h := newHarness(t, nil)
			id := eventIDs["standard"]
			if v, ok := tc.header["Webhook-Id"]; ok {
				id = v
			}
			resp := h.receiver.Handle(context.Background(), h.signedWith(t, h.keys, tc.provider, tc.body, id, h.now))
			is.Equal(resp.Status, 400)
			is.Equal(string(resp.Body), `{"error":"malformed_payload"}`)
			is.Equal(h.store.puts.Load(), int32(0)) // no store call
		})
	}
}

// rejectingStore refuses every write for good, as DynamoDB does an item
// over its limits.
type rejectingStore struct{ store.Webhooks }

func (rejectingStore) PutWebhooks(context.Context, []store.Webhook) ([]bool, error) {
	return nil, fmt.Errorf("%w: ValidationException: Item size has exceeded the maximum allowed size", store.ErrRejected)
}

func (rejectingStore) PutWebhook(context.Context, store.Webhook) (bool, error) {
	return false, fmt.Errorf("%w: ValidationException: Item size has exceeded the maximum allowed size", store.ErrRejected)
}

func TestAWriteTheStoreRefusesForGoodIsNot503(t *testing.T) {
	is := is.New(t)
	h := newHarness(t, nil)
	h.receiver.Store = rejectingStore{h.store}
	resp := h.receiver.Handle(context.Background(), h.signed(t, "stripe", bodies["stripe"], h.now))
	is.Equal(resp.Status, 422)
	is.Equal(string(resp.Body), `{"error":"unstorable"}`)
	is.Equal(resp.Header.Get("Retry-After"), "")
	is.True(strings.Contains(h.logs.String(), `"level":"error"`))
	is.True(strings.Contains(h.logs.String(), `"outcome":"unstorable"`))
}

// TestAGenuineButMalformedPayPalBodyStillBindsItsHeaders: a genuine
// delivery refused as malformed leaves no headers free to carry another
// body.
func TestAGenuineButMalformedPayPalBodyStillBindsItsHeaders(t *testing.T) {
	is := is.New(t)
	h := newHarness(t, nil)
	ctx := context.Background()
	const malformed = `{"event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{}}` // no id
	genuine := h.signed(t, "paypal", malformed, h.now)
	is.Equal(h.receiver.Handle(ctx, genuine).Status, 400)

	forged := genuine
	template := `{"id":"WH-FORGED-2","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"CAPTURE-X","amount":{"currency_code":"USD","value":"9999.00"},"note":"` + forge.CRC32Placeholder + `"}}`
	body, err := forge.SameCRC32([]byte(malformed), []byte(template))
	is.NoErr(err)
	forged.Body = body
	is.Equal(h.receiver.Handle(ctx, forged).Status, 401)
	_, err = h.store.GetWebhook(ctx, "paypal", "WH-FORGED-2")
	is.True(errors.Is(err, store.ErrNotFound))
}

// TestAForgedSignatureWithAStaleTimestampIsAForgery: a stale genuine
// signature is counted apart from forgeries (its own outcome, left out of
// the forgery alarm), so an attacker must not be able to hide a forgery
// there by dating it: every provider that signs a time checks the
// signature first, and a forgery dated an hour ago, or a day ahead, is
// invalid_signature, never timestamp_out_of_tolerance.
func TestAForgedSignatureWithAStaleTimestampIsAForgery(t *testing.T) {
	for _, name := range append([]string{"paypal"}, timestamped...) {
		for _, skew := range []time.Duration{-time.Hour, 24 * time.Hour} {
			t.Run(fmt.Sprintf("%s, signed %s from now", name, skew), func(t *testing.T) {
				is := is.New(t)
				h := newHarness(t, nil)
				forged := h.signed(t, name, bodies[name], h.now.Add(skew))
				forged.Body = []byte(strings.Replace(string(forged.Body), "2000", "9000", 1) + " ")
				resp := h.receiver.Handle(context.Background(), forged)
				is.Equal(resp.Status, 401)
				is.Equal(string(resp.Body), `{"error":"invalid_signature"}`)
				is.True(strings.Contains(h.logs.String(), `"outcome":"`+ingest.OutcomeInvalidSignature+`"`)) // what the forgery alarm counts
				is.Equal(h.store.puts.Load(), int32(0))
			})
		}
	}
}
