package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/ingest"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/secrets"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
)

var testKeys = provider.Keys{
	StripeSigningSecrets:   []string{"whsec_test_stripe"},
	SquareSignatureKeys:    []string{"square-signature-key"},
	SquareNotificationURL:  "https://payhook.example.com/webhook/square",
	PayPalWebhookID:        "WH-ID-1",
	StandardWebhookSecrets: []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
}

// countingStore counts writes reaching the real store behind it.
type countingStore struct {
	store.Webhooks
	puts atomic.Int32
}

func (c *countingStore) PutWebhook(ctx context.Context, w store.Webhook) (bool, error) {
	c.puts.Add(1)
	return c.Webhooks.PutWebhook(ctx, w)
}

var devSigner struct {
	once   sync.Once
	signer *provider.DevPayPal
	err    error
}

// devPayPal is one development PayPal signer for the whole test binary: RSA
// key generation is slow. Its certificate is checked against the real clock.
func devPayPal(t testing.TB) *provider.DevPayPal {
	devSigner.once.Do(func() { devSigner.signer, devSigner.err = provider.NewDevPayPal(time.Now(), 24*time.Hour) })
	if devSigner.err != nil {
		t.Fatal(devSigner.err)
	}
	return devSigner.signer
}

type harness struct {
	receiver *ingest.Receiver
	store    *countingStore
	logs     *bytes.Buffer
	now      time.Time
	paypal   *provider.DevPayPal
}

func newHarness(t *testing.T, backing store.Webhooks) *harness {
	t.Helper()
	if backing == nil {
		db, err := embedded.Open(filepath.Join(t.TempDir(), "payhook.db"), embedded.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		backing = db
	}
	var cfg config.Receiver
	if err := config.Load(func(string) (string, bool) { return "", false }, &cfg); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	dev := devPayPal(t)
	h := &harness{store: &countingStore{Webhooks: backing}, logs: &bytes.Buffer{}, now: now, paypal: dev}
	h.receiver = ingest.New(cfg, secrets.Static(testKeys), h.store, dev.Certs(), observe.NewLogger(h.logs, "debug", "receiver"))
	h.receiver.Clock = func() time.Time { return h.now }
	return h
}

// Bodies shaped like each provider's documented payloads.
var bodies = map[string]string{
	"stripe":   `{"id":"evt_3Q1","object":"event","type":"payment_intent.succeeded","created":1795780800,"data":{"object":{"id":"pi_1","amount":2000,"currency":"usd","receipt_email":"jenny@example.com"}}}`,
	"square":   `{"merchant_id":"6SSW7HV8K2ST5","type":"payment.updated","event_id":"13b867cf-db3d-4b1c-90b6-2f32a9d78124","created_at":"2026-11-27T11:59:58Z","data":{"type":"payment","id":"KkAkhdMs","object":{"payment":{"id":"KkAkhdMs","status":"COMPLETED"}}}}`,
	"paypal":   `{"id":"WH-58D329510W468432D-8HN650336L201105X","event_type":"PAYMENT.CAPTURE.COMPLETED","create_time":"2026-11-27T11:59:57Z","resource":{"id":"42311647XV020574X","amount":{"currency_code":"USD","value":"20.00"}}}`,
	"standard": `{"type":"payment.succeeded","timestamp":"2026-11-27T11:59:59Z","data":{"payment_id":"pay_1","amount":2000}}`,
}

var eventIDs = map[string]string{
	"stripe":   "evt_3Q1",
	"square":   "13b867cf-db3d-4b1c-90b6-2f32a9d78124",
	"paypal":   "WH-58D329510W468432D-8HN650336L201105X",
	"standard": "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
}

// signed returns a delivery of body signed at signedAt as the provider would.
func (h *harness) signed(t *testing.T, name, body string, signedAt time.Time) ingest.Request {
	t.Helper()
	header, err := provider.Sign(name, []byte(body), testKeys, h.paypal, eventIDs["standard"], signedAt)
	if err != nil {
		t.Fatal(err)
	}
	return ingest.Request{Method: http.MethodPost, Provider: name, Header: header, Body: []byte(body), SourceIP: "203.0.113.7", RequestID: "req-" + name}
}

// TestHTTPContract drives every row of the receiver's contract (the README's
// table of answers; docs/design.md).
func TestHTTPContract(t *testing.T) {
	type row struct {
		name       string
		request    func(t *testing.T, h *harness) ingest.Request
		sendBefore bool // deliver the same request once first
		status     int
		body       string
	}
	var rows []row
	for _, name := range []string{"stripe", "square", "paypal", "standard"} {
		rows = append(rows,
			row{name + ": new, verified, stored", func(t *testing.T, h *harness) ingest.Request { return h.signed(t, name, bodies[name], h.now) },
				false, 200, `{"status":"accepted","id":"` + eventIDs[name] + `"}`},
			row{name + ": duplicate", func(t *testing.T, h *harness) ingest.Request { return h.signed(t, name, bodies[name], h.now) },
				true, 200, `{"status":"duplicate","id":"` + eventIDs[name] + `"}`},
			row{name + ": signature does not verify", func(t *testing.T, h *harness) ingest.Request {
				req := h.signed(t, name, bodies[name], h.now)
				req.Body = []byte(strings.Replace(string(req.Body), "2000", "9000", 1) + " ")
				return req
			}, false, 401, `{"error":"invalid_signature"}`},
			row{name + ": missing signature headers", func(t *testing.T, h *harness) ingest.Request {
				req := h.signed(t, name, bodies[name], h.now)
				req.Header = http.Header{"Content-Type": {"application/json"}}
				return req
			}, false, 400, `{"error":"missing_signature"}`},
			row{name + ": not POST", func(t *testing.T, h *harness) ingest.Request {
				req := h.signed(t, name, bodies[name], h.now)
				req.Method = http.MethodGet
				return req
			}, false, 405, `{"error":"method_not_allowed"}`},
			row{name + ": body over the limit", func(t *testing.T, h *harness) ingest.Request {
				return h.signed(t, name, `{"pad":"`+strings.Repeat("x", 262144)+`"}`, h.now)
			}, false, 413, `{"error":"payload_too_large"}`},
			row{name + ": body not JSON", func(t *testing.T, h *harness) ingest.Request { return h.signed(t, name, `not json at all`, h.now) },
				false, 400, `{"error":"malformed_payload"}`},
			row{name + ": no event id or type", func(t *testing.T, h *harness) ingest.Request { return h.signed(t, name, `{"data":{}}`, h.now) },
				false, 400, `{"error":"malformed_payload"}`},
		)
	}
	for _, name := range []string{"stripe", "standard"} {
		rows = append(rows,
			row{name + ": timestamp 301 s old", func(t *testing.T, h *harness) ingest.Request {
				return h.signed(t, name, bodies[name], h.now.Add(-301*time.Second))
			}, false, 401, `{"error":"timestamp_out_of_tolerance"}`},
			row{name + ": timestamp 301 s ahead", func(t *testing.T, h *harness) ingest.Request {
				return h.signed(t, name, bodies[name], h.now.Add(301*time.Second))
			}, false, 401, `{"error":"timestamp_out_of_tolerance"}`},
		)
	}
	rows = append(rows,
		row{"unknown provider", func(t *testing.T, h *harness) ingest.Request {
			req := h.signed(t, "stripe", bodies["stripe"], h.now)
			req.Provider = "adyen"
			return req
		}, false, 404, `{"error":"unknown_provider"}`},
		row{"malformed signature header", func(t *testing.T, h *harness) ingest.Request {
			req := h.signed(t, "stripe", bodies["stripe"], h.now)
			req.Header.Set("Stripe-Signature", "garbage")
			return req
		}, false, 400, `{"error":"missing_signature"}`},
	)

	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			h := newHarness(t, nil)
			req := tc.request(t, h)
			if tc.sendBefore {
				first := h.receiver.Handle(context.Background(), req)
				is.Equal(first.Status, 200)
			}
			putsBefore := h.store.puts.Load()
			resp := h.receiver.Handle(context.Background(), req)
			is.Equal(resp.Status, tc.status)
			is.Equal(string(resp.Body), tc.body)
			is.Equal(resp.Header.Get("Content-Type"), "application/json")
			if tc.status >= 400 {
				is.Equal(h.store.puts.Load(), putsBefore) // nothing is stored for a 4xx
				for provider, id := range eventIDs {
					_, err := h.store.GetWebhook(context.Background(), provider, id)
					is.True(errors.Is(err, store.ErrNotFound))
				}
			}
		})
	}
}

func TestAcceptedWebhookIsStoredWithWhatTheProcessorNeeds(t *testing.T) {
	is := is.New(t)
	h := newHarness(t, nil)
	req := h.signed(t, "stripe", bodies["stripe"], h.now)
	is.Equal(h.receiver.Handle(context.Background(), req).Status, 200)

	got, err := h.store.GetWebhook(context.Background(), "stripe", "evt_3Q1")
	is.NoErr(err)
	is.Equal(got.EventType, "payment_intent.succeeded")
	is.Equal(got.Body, []byte(bodies["stripe"])) // the raw bytes, exactly
	is.Equal(got.Status, store.StatusReceived)
	is.Equal(got.ReceivedAt, h.now)
	is.Equal(got.OccurredAt, time.Unix(1795780800, 0).UTC())
	is.Equal(got.ExpiresAt, h.now.Add(store.DefaultRetention))
	is.Equal(got.SignatureHeaders, map[string]string{"Stripe-Signature": req.Header.Get("Stripe-Signature")})
	is.Equal(got.SourceIP, "203.0.113.7")
	is.Equal(got.RequestID, "req-stripe")
}

func TestProviderWithoutKeysIsNotServed(t *testing.T) {
	is := is.New(t)
	h := newHarness(t, nil)
	keys := testKeys
	keys.PayPalWebhookID = ""
	h.receiver.Keys = secrets.Static(keys)
	resp := h.receiver.Handle(context.Background(), h.signed(t, "paypal", bodies["paypal"], h.now))
	is.Equal(resp.Status, 404)
	is.True(strings.Contains(h.logs.String(), `"outcome":"provider_not_configured"`))
}

// rotatingKeys hands out old keys until refreshed, as a process that has not
// yet seen a rotation in Secrets Manager would.
type rotatingKeys struct {
	old, fresh provider.Keys
	refreshes  int
}

func (r *rotatingKeys) Keys(context.Context) (provider.Keys, error) { return r.old, nil }
func (r *rotatingKeys) Refresh(context.Context) (provider.Keys, bool) {
	r.refreshes++
	return r.fresh, true
}

func TestFailedVerificationRetriesWithRefreshedKeys(t *testing.T) {
	is := is.New(t)
	h := newHarness(t, nil)
	old := testKeys
	old.StripeSigningSecrets = []string{"whsec_before_rotation"}
	keys := &rotatingKeys{old: old, fresh: testKeys}
	h.receiver.Keys = keys
	resp := h.receiver.Handle(context.Background(), h.signed(t, "stripe", bodies["stripe"], h.now))
	is.Equal(resp.Status, 200)
	is.Equal(keys.refreshes, 1)
}

func TestLogsCarryNoSecretOrBody(t *testing.T) {
	is := is.New(t)
	h := newHarness(t, nil)
	var sent []ingest.Request
	for name := range bodies {
		good := h.signed(t, name, bodies[name], h.now)
		forged := h.signed(t, name, bodies[name], h.now)
		forged.Body = append([]byte(nil), forged.Body...)
		forged.Body[len(forged.Body)-2] = ' '
		sent = append(sent, good, forged)
		h.receiver.Handle(context.Background(), good)
		h.receiver.Handle(context.Background(), forged)
	}
	logs := h.logs.String()
	is.True(strings.Count(logs, "\n") == len(sent)) // one line per delivery
	is.True(strings.Contains(logs, `"outcome":"accepted"`))
	is.True(strings.Contains(logs, `"outcome":"invalid_signature"`))
	for _, secret := range append(append(testKeys.StripeSigningSecrets, testKeys.SquareSignatureKeys...), testKeys.StandardWebhookSecrets...) {
		is.True(!strings.Contains(logs, secret))
	}
	for _, req := range sent {
		for _, name := range []string{"Stripe-Signature", "X-Square-Hmacsha256-Signature", "Paypal-Transmission-Sig", "Webhook-Signature"} {
			if value := req.Header.Get(name); value != "" {
				is.True(!strings.Contains(logs, value)) // no signature
			}
		}
	}
	for _, marker := range []string{"jenny@example.com", "receipt_email", "KkAkhdMs", "42311647XV020574X", "pay_1"} {
		is.True(!strings.Contains(logs, marker)) // nothing from any body
	}
}
