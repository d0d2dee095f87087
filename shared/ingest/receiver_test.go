package ingest_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/ingest"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/paypal"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/provider/stripe"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/secrets"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
)

// devKeys are every registered provider's development keys, made once per
// test binary (PayPal's signer is slow to make).
var devKeys = sync.OnceValues(func() (provider.Keys, error) {
	raw := map[string]string{}
	for _, p := range registry.All {
		keys, err := p.Development.Keys("https://payhook.example.com")
		if err != nil {
			return nil, err
		}
		maps.Copy(raw, keys)
	}
	return registry.ParseDevelopmentKeys(func(name string) (string, bool) { v, ok := raw[name]; return v, ok })
})

// testKeys are the keys every harness serves with: a copy, free to change.
func testKeys(t testing.TB) provider.Keys {
	t.Helper()
	keys, err := devKeys()
	if err != nil {
		t.Fatal(err)
	}
	return maps.Clone(keys)
}

// devCerts trusts the development PayPal signer in testKeys.
func devCerts(t testing.TB) *paypal.Certs {
	t.Helper()
	certs, _, err := paypal.DevCerts(testKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	return certs
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

func (c *countingStore) PutWebhooks(ctx context.Context, ws []store.Webhook) ([]bool, error) {
	c.puts.Add(1)
	return c.Webhooks.PutWebhooks(ctx, ws)
}

type harness struct {
	receiver *ingest.Receiver
	store    *countingStore
	logs     *bytes.Buffer
	now      time.Time
	keys     provider.Keys
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
	cfg.StoreTimeout = testenv.StoreTimeout // the tests of the timeout set their own
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	h := &harness{store: &countingStore{Webhooks: backing}, logs: &bytes.Buffer{}, now: now, keys: testKeys(t)}
	h.receiver = ingest.New(cfg, secrets.Static(h.keys), h.store, devCerts(t), observe.NewLogger(h.logs, "debug", "receiver"))
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

// Every other registered provider delivers its development sample of a
// payment succeeding.
func init() {
	for _, p := range registry.All {
		if _, written := bodies[p.Name]; written {
			continue
		}
		body, id, err := p.Development.Sample(p.Development.EventTypes()[0], provider.SampleOptions{
			EventID: "evt-contract-" + p.Name, PaymentID: "pay-contract-1", Amount: 2000, Currency: "USD", At: time.Date(2026, 11, 27, 11, 59, 0, 0, time.UTC),
		})
		if err != nil {
			panic(err)
		}
		bodies[p.Name], eventIDs[p.Name] = string(body), id
	}
}

// timestamped are the providers that sign a time the receiver holds to
// the tolerance, either way (PayPal's transmission window has its own
// test).
var timestamped = []string{"stripe", "standard", "paddle"}

// acknowledged is the body and content type of a 200 for the provider.
func acknowledged(name, status, eventID string) (string, string) {
	p, _ := registry.Lookup(name)
	if p.Acknowledgement != nil {
		return string(p.Acknowledgement.Body), p.Acknowledgement.ContentType
	}
	return `{"status":"` + status + `","id":"` + eventID + `"}`, "application/json"
}

// inBodySignature is where a provider that signs inside the body (Adyen)
// carries its signatures.
var inBodySignature = regexp.MustCompile(`,?"hmacSignature":"[^"]*"`)

// unsigned is req without anything that signs it: no headers but the
// content type, no signature in the body.
func unsigned(req ingest.Request) ingest.Request {
	req.Header = http.Header{"Content-Type": {"application/json"}}
	req.Body = inBodySignature.ReplaceAll(req.Body, nil)
	return req
}

// signed returns a delivery of body signed at signedAt as the provider would.
func (h *harness) signed(t *testing.T, name, body string, signedAt time.Time) ingest.Request {
	t.Helper()
	return h.signedWith(t, h.keys, name, body, eventIDs["standard"], signedAt)
}

// signedWith signs with keys, and id as the event id of a provider that
// carries it in a header.
func (h *harness) signedWith(t *testing.T, keys provider.Keys, name, body, id string, signedAt time.Time) ingest.Request {
	t.Helper()
	signed, err := samples.Sign(name, []byte(body), keys, id, signedAt)
	if err != nil {
		t.Fatal(err)
	}
	return ingest.Request{Method: http.MethodPost, Provider: name, Header: signed.Header, Body: signed.Body, SourceIP: "203.0.113.7", RequestID: "req-" + name}
}

// TestHTTPContract drives every row of the receiver's contract (the README's
// table of answers; docs/design.md).
// row is one row of the receiver's contract.
type row struct {
	name       string
	request    func(t *testing.T, h *harness) ingest.Request
	sendBefore bool // deliver the same request once first
	status     int
	body       string
	// contentType is application/json unless the provider requires
	// another acknowledgement.
	contentType string
	// stored, when set, is how many webhooks the store holds afterwards.
	stored int
}

func TestHTTPContract(t *testing.T) {
	var rows []row
	for _, name := range registry.Names() {
		accepted, ackType := acknowledged(name, "accepted", eventIDs[name])
		duplicate, _ := acknowledged(name, "duplicate", eventIDs[name])
		valid := func(t *testing.T, h *harness) ingest.Request { return h.signed(t, name, bodies[name], h.now) }
		// withBody is a valid delivery's request carrying another body,
		// signed when the provider can sign it.
		withBody := func(body string) func(t *testing.T, h *harness) ingest.Request {
			return func(t *testing.T, h *harness) ingest.Request {
				req := valid(t, h)
				if signed, err := samples.Sign(name, []byte(body), h.keys, eventIDs["standard"], h.now); err == nil {
					req.Header, req.Body = signed.Header, signed.Body
				} else {
					req.Body = []byte(body)
				}
				return req
			}
		}
		rows = append(rows,
			row{name + ": new, verified, stored", valid, false, 200, accepted, ackType, 0},
			row{name + ": duplicate", valid, true, 200, duplicate, ackType, 0},
			row{name + ": signature does not verify", func(t *testing.T, h *harness) ingest.Request {
				req := valid(t, h)
				req.Body = []byte(strings.Replace(string(req.Body), "2000", "9000", 1) + " ")
				return req
			}, false, 401, `{"error":"invalid_signature"}`, "", 0},
			row{name + ": missing signature", func(t *testing.T, h *harness) ingest.Request { return unsigned(valid(t, h)) },
				false, 400, `{"error":"missing_signature"}`, "", 0},
			row{name + ": not POST", func(t *testing.T, h *harness) ingest.Request {
				req := valid(t, h)
				req.Method = http.MethodGet
				return req
			}, false, 405, `{"error":"method_not_allowed"}`, "", 0},
			row{name + ": body over the limit", withBody(`{"pad":"` + strings.Repeat("x", 262144) + `"}`), false, 413, `{"error":"payload_too_large"}`, "", 0},
			row{name + ": body not JSON", withBody(`not json at all`), false, 400, `{"error":"malformed_payload"}`, "", 0},
			row{name + ": no event id or type", withBody(`{"data":{}}`), false, 400, `{"error":"malformed_payload"}`, "", 0},
		)
	}
	for _, name := range timestamped {
		rows = append(rows,
			row{name + ": timestamp 301 s old", func(t *testing.T, h *harness) ingest.Request {
				return h.signed(t, name, bodies[name], h.now.Add(-301*time.Second))
			}, false, 401, `{"error":"timestamp_out_of_tolerance"}`, "", 0},
			row{name + ": timestamp 301 s ahead", func(t *testing.T, h *harness) ingest.Request {
				return h.signed(t, name, bodies[name], h.now.Add(301*time.Second))
			}, false, 401, `{"error":"timestamp_out_of_tolerance"}`, "", 0},
		)
	}
	rows = append(rows,
		row{"paddle: a retry with its first attempt's signature, 15 minutes later", func(t *testing.T, h *harness) ingest.Request {
			return h.signed(t, "paddle", bodies["paddle"], h.now.Add(-15*time.Minute))
		}, false, 401, `{"error":"timestamp_out_of_tolerance"}`, "", 0},
		row{"unknown provider", func(t *testing.T, h *harness) ingest.Request {
			req := h.signed(t, "stripe", bodies["stripe"], h.now)
			req.Provider = "nosuchprovider"
			return req
		}, false, 404, `{"error":"unknown_provider"}`, "", 0},
		row{"malformed signature header", func(t *testing.T, h *harness) ingest.Request {
			req := h.signed(t, "stripe", bodies["stripe"], h.now)
			req.Header.Set("Stripe-Signature", "garbage")
			return req
		}, false, 400, `{"error":"missing_signature"}`, "", 0},
	)
	rows = append(rows, batchRows()...)

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
			is.Equal(resp.Header.Get("Content-Type"), cmp.Or(tc.contentType, "application/json"))
			stored, err := h.store.Webhooks.(store.Listing).ListWebhooks(context.Background(), store.WebhookFilter{})
			is.NoErr(err)
			if tc.status >= 400 {
				is.Equal(h.store.puts.Load(), putsBefore) // nothing is stored for a 4xx
				is.Equal(len(stored), map[bool]int{true: 1, false: 0}[tc.sendBefore])
			}
			if tc.stored > 0 {
				is.Equal(len(stored), tc.stored)
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
	keys := testKeys(t)
	delete(keys, paypal.WebhookID)
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
	old := testKeys(t)
	old[stripe.SigningSecrets] = []string{"whsec_before_rotation"}
	keys := &rotatingKeys{old: old, fresh: testKeys(t)}
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
	for _, s := range registry.Settings() {
		for _, secret := range h.keys.List(s.Name) {
			is.True(!strings.Contains(logs, secret)) // no key
		}
	}
	for _, req := range sent {
		for name := range req.Header {
			if value := req.Header.Get(name); name != "Content-Type" && len(value) > 8 && value != eventIDs["standard"] {
				is.True(!strings.Contains(logs, value)) // no signature header
			}
		}
	}
	for _, marker := range []string{"jenny@example.com", "receipt_email", "KkAkhdMs", "42311647XV020574X", "pay_1"} {
		is.True(!strings.Contains(logs, marker)) // nothing from any body
	}
}

// batchRows are the contract's rows for providers that deliver several
// events at once: a batch is stored whole or not at all, a partly
// duplicate batch stores the rest, and one bad event refuses the batch.
func batchRows() []row {
	return []row{
		{"gocardless: a batch of three, new", func(t *testing.T, h *harness) ingest.Request {
			return h.batch(t, "gocardless", "events", "EVBATCH1", "EVBATCH2", "EVBATCH3")
		}, false, 200, `{"status":"accepted","ids":["EVBATCH1","EVBATCH2","EVBATCH3"]}`, "", 3},
		{"gocardless: a partly duplicate batch stores the rest", func(t *testing.T, h *harness) ingest.Request {
			first := h.batch(t, "gocardless", "events", "EVBATCH1")
			is.New(t).Equal(h.receiver.Handle(context.Background(), first).Status, 200)
			return h.batch(t, "gocardless", "events", "EVBATCH1", "EVBATCH2")
		}, false, 200, `{"status":"accepted","ids":["EVBATCH1","EVBATCH2"]}`, "", 2},
		{"gocardless: a batch stored before is a duplicate", func(t *testing.T, h *harness) ingest.Request {
			return h.batch(t, "gocardless", "events", "EVBATCH1", "EVBATCH2")
		}, true, 200, `{"status":"duplicate","ids":["EVBATCH1","EVBATCH2"]}`, "", 2},
		{"gocardless: one malformed event refuses the batch", func(t *testing.T, h *harness) ingest.Request {
			body := `{"events":[{"id":"EVBATCH1","resource_type":"payments","action":"confirmed","links":{"payment":"PM1"}},{"resource_type":"payments","action":"failed"}]}`
			return h.signedWith(t, h.keys, "gocardless", body, "", h.now)
		}, false, 400, `{"error":"malformed_payload"}`, "", 0},
		{"gocardless: a batch with one event forged in is refused whole", func(t *testing.T, h *harness) ingest.Request {
			req := h.batch(t, "gocardless", "events", "EVBATCH1")
			req.Body = []byte(strings.Replace(string(req.Body), `"events":[`, `"events":[{"id":"EVFORGED","resource_type":"payments","action":"confirmed","links":{"payment":"PMFORGED"}},`, 1))
			return req
		}, false, 401, `{"error":"invalid_signature"}`, "", 0},
		{"adyen: a batch of two, new", func(t *testing.T, h *harness) ingest.Request {
			return h.batch(t, "adyen", "notificationItems", "PSP-BATCH-A", "PSP-BATCH-B")
		}, false, 200, "[accepted]", "text/plain", 2},
		{"adyen: a batch of two, the first stored before", func(t *testing.T, h *harness) ingest.Request {
			first := h.batch(t, "adyen", "notificationItems", "PSP-BATCH-A")
			is.New(t).Equal(h.receiver.Handle(context.Background(), first).Status, 200)
			return h.batch(t, "adyen", "notificationItems", "PSP-BATCH-A", "PSP-BATCH-B")
		}, false, 200, "[accepted]", "text/plain", 2},
		{"adyen: a batch of two, one forged, is refused whole", func(t *testing.T, h *harness) ingest.Request {
			req := h.batch(t, "adyen", "notificationItems", "PSP-BATCH-A", "PSP-BATCH-B")
			req.Body = []byte(strings.Replace(string(req.Body), `"value":2000`, `"value":9000`, 1))
			return req
		}, false, 401, `{"error":"invalid_signature"}`, "", 0},
	}
}

// batch is one signed delivery of the named provider carrying one
// development sample per payment id: each sample's events, found under
// field, joined in one array.
func (h *harness) batch(t *testing.T, name, field string, paymentIDs ...string) ingest.Request {
	t.Helper()
	p, _ := registry.Lookup(name)
	var delivery map[string]json.RawMessage
	var events []json.RawMessage
	for _, id := range paymentIDs {
		body, _, err := p.Development.Sample(p.Development.EventTypes()[0], provider.SampleOptions{EventID: id, PaymentID: id, Amount: 2000, At: h.now})
		if err != nil {
			t.Fatal(err)
		}
		var sample map[string]json.RawMessage
		var these []json.RawMessage
		if err := json.Unmarshal(body, &sample); err != nil || json.Unmarshal(sample[field], &these) != nil {
			t.Fatalf("%s's sample has no %s", name, field)
		}
		delivery, events = sample, append(events, these...)
	}
	joined, err := json.Marshal(events)
	if err != nil {
		t.Fatal(err)
	}
	delivery[field] = joined
	body, err := json.Marshal(delivery)
	if err != nil {
		t.Fatal(err)
	}
	return h.signedWith(t, h.keys, name, string(body), eventIDs["standard"], h.now)
}

// storedBody is what the receiver stores of a delivery's body: the body,
// or for a batch provider the event's own part (here, the only one).
func storedBody(t *testing.T, req ingest.Request) []byte {
	t.Helper()
	p, _ := registry.Lookup(req.Provider)
	envelopes, err := p.NewVerifier(provider.Config{}).Parse(provider.Delivery{Header: req.Header, Body: req.Body})
	if err != nil || len(envelopes) != 1 {
		t.Fatalf("%s's delivery parses to %d events: %v", req.Provider, len(envelopes), err)
	}
	return envelopes[0].Body
}
