//go:build !sandbox

package reconcile_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/rs/zerolog"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/gocardless"
	"github.com/payhook/payhook/shared/provider/paddle"
	"github.com/payhook/payhook/shared/provider/paypal"
	"github.com/payhook/payhook/shared/provider/square"
	"github.com/payhook/payhook/shared/provider/stripe"
	"github.com/payhook/payhook/shared/reconcile"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/memory"
)

var api = provider.APIConfig{HTTP: &http.Client{Timeout: 10 * time.Second}}

func liveReconciler(s reconcile.Store) *reconcile.Reconciler {
	return &reconcile.Reconciler{Store: s, Retention: func(string) time.Duration { return 35 * 24 * time.Hour }, Log: zerolog.Nop()}
}

func TestStripeAgainstStripeMock(t *testing.T) {
	is := is.New(t)
	keys := provider.Keys{stripe.APIKey: {testenv.StripeMockKey}, stripe.APIURL: {testenv.StripeMock(t)}}
	source, err := reconcile.SourceFor("stripe", keys, api)
	is.NoErr(err)
	s := memory.New()
	report, err := liveReconciler(s).Run(context.Background(), source.Provider, source.Events, time.Now().Add(-72*time.Hour), time.Now())
	is.NoErr(err)
	// stripe-mock lists its one fixture event whatever the window.
	is.Equal(report.Listed, 1)
	is.Equal(report.Recovered, 1)
	stored, err := s.GetWebhook(context.Background(), "stripe", report.RecoveredIDs[0])
	is.NoErr(err)
	is.Equal(stored.EventType, "plan.created")
	is.Equal(stored.Source, store.SourceReconcile)
}

// TestStripePagesAgainstItsStandin: Stripe's stand-in, unlike
// stripe-mock, filters by created and pages, so what reconciliation sends
// Stripe is checked against Stripe's specification and every page is read.
func TestStripePagesAgainstItsStandin(t *testing.T) {
	is := is.New(t)
	standins := testenv.Standins(t)
	generated := standins.Generate(t, "stripe", 250)
	old := json.RawMessage(fmt.Sprintf(`{"id":"evt_before_the_window","object":"event","api_version":"2020-08-27","created":%d,"livemode":false,"pending_webhooks":0,"request":{"id":null,"idempotency_key":null},"type":"charge.succeeded","data":{"object":{"id":"ch_1","object":"charge"}}}`, time.Now().Add(-2*time.Hour).Unix()))
	standins.Seed(t, "stripe", old)
	standins.Fault(t, "/stripe/v1/events", http.StatusTooManyRequests, "", 1)
	keys := provider.Keys{stripe.APIKey: {standins.StripeKey}, stripe.APIURL: {standins.StripeURL()}}
	source, err := reconcile.SourceFor("stripe", keys, api)
	is.NoErr(err)

	report, err := liveReconciler(memory.New()).Run(context.Background(), source.Provider, source.Events, time.Now().Add(-time.Hour), time.Now().Add(time.Minute))
	is.NoErr(err)
	is.Equal(report.Listed, len(generated)) // not the event before the window
	is.Equal(report.Recovered, len(generated))

	var lists []testenv.StandinRequest
	for _, r := range standins.Requests(t) {
		if r.Path == "/stripe/v1/events" {
			lists = append(lists, r)
		}
	}
	is.Equal(len(lists), 4) // throttled once, then three pages of at most 100
	is.Equal(lists[0].Status, http.StatusTooManyRequests)
	for i, r := range lists[1:] {
		is.Equal(r.Status, http.StatusOK)
		is.Equal(r.Validation, "passed")
		is.Equal(strings.Contains(r.Query, "starting_after="), i > 0) // each page after the last one's last event
	}
}

func TestSquarePagesThroughEveryEventAndHonoursRetryAfter(t *testing.T) {
	is := is.New(t)
	standins := testenv.Standins(t)
	generated := standins.GenerateSquare(t, 250)
	standins.Fault(t, "/v2/events", http.StatusTooManyRequests, "1", 1)
	keys := provider.Keys{square.AccessToken: {standins.SquareAccessToken}, square.APIURL: {standins.URL()}}
	source, err := reconcile.SourceFor("square", keys, api)
	is.NoErr(err)

	report, err := liveReconciler(memory.New()).Run(context.Background(), source.Provider, source.Events, time.Now().Add(-time.Hour), time.Now().Add(time.Minute))
	is.NoErr(err)
	is.Equal(report.Listed, len(generated))
	is.Equal(report.Recovered, len(generated))

	var searches []testenv.StandinRequest
	for _, r := range standins.Requests(t) {
		if r.Path == "/v2/events" {
			searches = append(searches, r)
		}
	}
	is.Equal(len(searches), 4) // throttled once, then three pages of at most 100
	is.Equal(searches[0].Status, http.StatusTooManyRequests)
	is.True(searches[1].Time.Sub(searches[0].Time) >= time.Second) // waited as Retry-After asked
	for _, r := range searches[1:] {
		is.Equal(r.Status, http.StatusOK)
		is.Equal(r.Validation, "passed") // what payhook sends is what Square's specification accepts
	}
	is.True(strings.Contains(string(searches[2].Body), `"cursor"`))
}

func TestPayPalPagesWithOneTokenAndRenewsARevokedOne(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	standins := testenv.Standins(t)
	generated := standins.GeneratePayPal(t, 120)
	keys := provider.Keys{paypal.ClientID: {standins.PayPalClientID}, paypal.ClientSecret: {standins.PayPalClientSecret}, paypal.APIURL: {standins.URL()}}
	source, err := reconcile.SourceFor("paypal", keys, api)
	is.NoErr(err)
	r := liveReconciler(memory.New())

	report, err := r.Run(ctx, source.Provider, source.Events, time.Now().Add(-time.Hour), time.Now().Add(time.Minute))
	is.NoErr(err)
	is.Equal(report.Recovered, len(generated))

	standins.RevokePayPalTokens(t) // as if it expired early
	report, err = r.Run(ctx, source.Provider, source.Events, time.Now().Add(-time.Hour), time.Now().Add(time.Minute))
	is.NoErr(err)
	is.Equal(report.AlreadyStored, len(generated))

	tokens, pages := 0, 0
	for _, req := range standins.Requests(t) {
		switch {
		case req.Path == "/v1/oauth2/token":
			tokens++
		case req.Path == "/v1/notifications/webhooks-events" && req.Status == http.StatusOK:
			pages++
			is.Equal(req.Validation, "passed")
		}
	}
	is.Equal(tokens, 2) // one per token's life, not one per request
	is.Equal(pages, 6)  // 50 a page: three pages, twice
}

func TestPayPalConfirmsOnlyWhatPayPalHoldsAsDelivered(t *testing.T) {
	standins := testenv.Standins(t)
	known := standins.GeneratePayPal(t, 1)[0]
	keys := provider.Keys{paypal.ClientID: {standins.PayPalClientID}, paypal.ClientSecret: {standins.PayPalClientSecret}, paypal.APIURL: {standins.URL()}}
	source, err := reconcile.SourceFor("paypal", keys, api)
	if err != nil {
		t.Fatal(err)
	}
	confirmer := source.Events.(provider.Confirmer)

	var event map[string]any
	if err := json.Unmarshal(known, &event); err != nil {
		t.Fatal(err)
	}
	altered := func(change func(map[string]any)) []byte {
		copied := map[string]any{}
		raw, _ := json.Marshal(event)
		_ = json.Unmarshal(raw, &copied)
		change(copied)
		b, _ := json.Marshal(copied)
		return b
	}
	cases := []struct {
		name    string
		body    []byte
		differs bool
		unknown bool
	}{
		{"as PayPal holds it", known, false, false},
		{"the same event re-encoded", altered(func(map[string]any) {}), false, false},
		{"its resource changed", altered(func(e map[string]any) {
			e["resource"] = map[string]any{"id": "FORGED", "amount": map[string]any{"value": "9999.00", "currency_code": "USD"}}
		}), true, false},
		{"its type changed", altered(func(e map[string]any) { e["event_type"] = "PAYMENT.CAPTURE.REFUNDED" }), true, false},
		{"an id PayPal never sent", altered(func(e map[string]any) { e["id"] = "WH-FORGED-1" }), false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			confirmed, err := confirmer.Confirm(context.Background(), tc.body)
			is.Equal(errors.Is(err, provider.ErrNotConfirmed), tc.unknown)
			if tc.unknown {
				return
			}
			is.NoErr(err)
			is.Equal(confirmed.Differs, tc.differs)
			is.Equal(string(confirmed.Body), string(known)) // PayPal's copy, whatever was delivered
		})
	}
	t.Run("PayPal unreachable is not a refusal", func(t *testing.T) {
		is := is.New(t)
		standins.Fault(t, "/v1/notifications/webhooks-events", http.StatusServiceUnavailable, "", 10)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, err := confirmer.Confirm(ctx, known)
		is.True(err != nil)
		is.True(!errors.Is(err, provider.ErrNotConfirmed)) // failed for redrive, not refused as forged
	})
}

// TestAForgedPayPalBodyIsNeverRead: fields outside PayPal's comparison
// (create_time, which orders payment state) and keys repeated to smuggle
// values past it do not reach the processor: it gets PayPal's copy.
func TestAForgedPayPalBodyIsNeverRead(t *testing.T) {
	is := is.New(t)
	standins := testenv.Standins(t)
	known := standins.GeneratePayPal(t, 1)[0]
	keys := provider.Keys{paypal.ClientID: {standins.PayPalClientID}, paypal.ClientSecret: {standins.PayPalClientSecret}, paypal.APIURL: {standins.URL()}}
	confirmation := &reconcile.Confirmation{Keys: func(context.Context) (provider.Keys, error) { return keys, nil }, API: api}
	var genuine struct {
		ID         string          `json:"id"`
		CreateTime string          `json:"create_time"`
		EventType  string          `json:"event_type"`
		Resource   json.RawMessage `json:"resource"`
	}
	is.NoErr(json.Unmarshal(known, &genuine))
	forgedTime := fmt.Sprintf(`{"id":%q,"create_time":"2099-01-01T00:00:00Z","event_type":%q,"resource":%s,"summary":"crc32 filler"}`, genuine.ID, genuine.EventType, genuine.Resource)
	smuggled := fmt.Sprintf(`{"id":%q,"create_time":%q,"event_type":%q,"resource":{"amount":{"currency_code":"USD","value":"99999.00"}},"resource":%s}`, genuine.ID, genuine.CreateTime, genuine.EventType, genuine.Resource)
	for _, body := range []string{forgedTime, smuggled} {
		w := store.Webhook{Provider: "paypal", EventID: genuine.ID, Body: []byte(body), Source: store.SourceWebhook}
		confirmed, _, err := confirmation.Confirm(context.Background(), w)
		is.NoErr(err)
		is.Equal(string(confirmed.Body), string(known)) // the body processed and stored is PayPal's
		is.True(confirmed.OccurredAt.Year() < 2099)
	}
}

func TestConfirmationAsksNothingOfProvidersThatConfirmNothing(t *testing.T) {
	is := is.New(t)
	failing := func(context.Context) (provider.Keys, error) { return nil, errors.New("the secret cannot be read") }
	confirmation := &reconcile.Confirmation{Keys: failing, API: api}
	for _, w := range []store.Webhook{
		{Provider: "stripe", EventID: "evt_1", Source: store.SourceWebhook},
		{Provider: "square", EventID: "sq_1", Source: store.SourceWebhook},
		{Provider: "paypal", EventID: "WH-1", Source: store.SourceReconcile},
	} {
		got, differs, err := confirmation.Confirm(context.Background(), w)
		is.NoErr(err) // the secret is not even read
		is.True(!differs)
		is.Equal(got.EventID, w.EventID)
	}
}

// requestsTo lists the stand-ins' requests to path, oldest first.
func requestsTo(t *testing.T, standins *testenv.ProviderStandins, path string) []testenv.StandinRequest {
	t.Helper()
	var out []testenv.StandinRequest
	for _, r := range standins.Requests(t) {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// TestReconcilePaddlePagesNewestFirstUntilTheWindowEnds: Paddle's event
// stream has no time filter. It is read newest first, page after page,
// through a 429 and its Retry-After, until it reaches events older than
// the window, which are neither stored nor paged through; a second run
// leaves every event it stored as it is.
func TestReconcilePaddlePagesNewestFirstUntilTheWindowEnds(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	standins := testenv.Standins(t)
	var older []json.RawMessage
	for i := range 300 {
		older = append(older, json.RawMessage(fmt.Sprintf(`{"event_id":"%s","event_type":"transaction.paid","occurred_at":"%s","data":{"id":"txn_old%d"}}`,
			paddleEventID(t, time.Now().Add(-3*time.Hour+time.Duration(i)*time.Second)), time.Now().Add(-3*time.Hour+time.Duration(i)*time.Second).UTC().Format(time.RFC3339Nano), i)))
	}
	standins.Seed(t, "paddle", older...)
	generated := standins.Generate(t, "paddle", 450)
	standins.Fault(t, "/paddle/events", http.StatusTooManyRequests, "", 1) // Paddle's own Retry-After: 1
	keys := provider.Keys{paddle.APIKey: {standins.PaddleKey}, paddle.APIURL: {standins.PaddleURL()}}
	source, err := reconcile.SourceFor("paddle", keys, api)
	is.NoErr(err)
	s := memory.New()

	report, err := liveReconciler(s).Run(ctx, source.Provider, source.Events, time.Now().Add(-time.Hour), time.Now().Add(time.Minute))
	is.NoErr(err)
	is.Equal(report.Listed, len(generated)) // none of the older ones
	is.Equal(report.Recovered, len(generated))
	lists := requestsTo(t, standins, "/paddle/events")
	is.Equal(len(lists), 4) // throttled, then pages of 200, 200, and 50 before the older events
	is.Equal(lists[0].Status, http.StatusTooManyRequests)
	is.True(lists[1].Time.Sub(lists[0].Time) >= time.Second) // waited as Retry-After asked
	for i, r := range lists[1:] {
		is.Equal(r.Status, http.StatusOK)
		is.Equal(r.Validation, "passed")
		is.Equal(strings.Contains(r.Query, "after=evt_"), i > 0)
	}

	again, err := liveReconciler(s).Run(ctx, source.Provider, source.Events, time.Now().Add(-time.Hour), time.Now().Add(time.Minute))
	is.NoErr(err)
	is.Equal(again.Recovered, 0)
	is.Equal(again.AlreadyStored, len(generated))
}

// paddleEventID is an event id of Paddle's shape for a time, as its
// development samples make them.
func paddleEventID(t *testing.T, at time.Time) string {
	t.Helper()
	_, id, err := samples.Build("paddle", "transaction.paid", provider.SampleOptions{At: at})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestReconcileGoCardlessPagesWithinCreatedAt: GoCardless filters by
// created_at and pages by cursor, 500 at a time; its 429 says when its
// limit resets (RateLimit-Reset), which is waited for.
func TestReconcileGoCardlessPagesWithinCreatedAt(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	standins := testenv.Standins(t)
	generated := standins.Generate(t, "gocardless", 1200)
	standins.Fault(t, "/gocardless/events", http.StatusTooManyRequests, "1", 1)
	keys := provider.Keys{gocardless.AccessToken: {standins.GoCardlessToken}, gocardless.APIURL: {standins.GoCardlessURL()}}
	source, err := reconcile.SourceFor("gocardless", keys, api)
	is.NoErr(err)
	s := memory.New()

	report, err := liveReconciler(s).Run(ctx, source.Provider, source.Events, time.Now().Add(-time.Hour), time.Now().Add(time.Minute))
	is.NoErr(err)
	is.Equal(report.Listed, len(generated))
	is.Equal(report.Recovered, len(generated))
	lists := requestsTo(t, standins, "/gocardless/events")
	is.Equal(len(lists), 4) // throttled, then 500, 500 and 200
	is.Equal(lists[0].Status, http.StatusTooManyRequests)
	is.True(lists[1].Time.Sub(lists[0].Time) >= time.Second) // waited for the reset
	for i, r := range lists[1:] {
		is.Equal(r.Validation, "passed") // GoCardless-Version and all
		is.Equal(strings.Contains(r.Query, "after=EV"), i > 0)
	}
	var first struct {
		ID string `json:"id"`
	}
	is.NoErr(json.Unmarshal(generated[0], &first))
	stored, err := s.GetWebhook(ctx, "gocardless", first.ID)
	is.NoErr(err)
	is.Equal(string(stored.Body), string(generated[0])) // the event as GoCardless lists it

	again, err := liveReconciler(s).Run(ctx, source.Provider, source.Events, time.Now().Add(-time.Hour), time.Now().Add(time.Minute))
	is.NoErr(err)
	is.Equal(again.AlreadyStored, len(generated))
	is.Equal(again.Recovered, 0)
}

// TestReconcileGoCardlessAmountsFromItsAPI: what GoCardless's events leave
// out is read from the payment or the refund; a payment it does not know
// is refused, an API that does not answer is not a refusal.
func TestReconcileGoCardlessAmountsFromItsAPI(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	standins := testenv.Standins(t)
	standins.SeedGoCardless(t, "payments", json.RawMessage(`{"id":"PM0001","amount":4200,"currency":"GBP","status":"confirmed","created_at":"2026-11-27T10:00:00.000Z"}`))
	standins.SeedGoCardless(t, "refunds", json.RawMessage(`{"id":"RF0001","amount":1200,"currency":"GBP","created_at":"2026-11-28T10:00:00.000Z","links":{"payment":"PM0001"}}`))
	keys := provider.Keys{gocardless.AccessToken: {standins.GoCardlessToken}, gocardless.APIURL: {standins.GoCardlessURL()}}
	confirmation := &reconcile.Confirmation{Keys: func(context.Context) (provider.Keys, error) { return keys, nil }, API: api}
	unknown := func(t payment.Type, paymentID, refundID string) payment.Event {
		return payment.Event{Provider: "gocardless", EventID: "EV1", Type: t, PaymentID: paymentID, RefundID: refundID, AmountUnknown: true}
	}

	paid, err := confirmation.Amounts(ctx, unknown(payment.Succeeded, "PM0001", ""))
	is.NoErr(err)
	is.Equal(paid.AmountMinor, int64(4200))
	is.Equal(paid.Currency, "GBP")
	is.True(!paid.AmountUnknown)
	refunded, err := confirmation.Amounts(ctx, unknown(payment.PartiallyRefunded, "PM0001", "RF0001"))
	is.NoErr(err)
	is.Equal(refunded.AmountMinor, int64(1200)) // the refund's, not the payment's

	_, err = confirmation.Amounts(ctx, unknown(payment.Succeeded, "PM9999", ""))
	is.True(errors.Is(err, provider.ErrNotConfirmed))

	standins.Fault(t, "/gocardless/payments/", http.StatusServiceUnavailable, "", 10)
	short, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	_, err = confirmation.Amounts(short, unknown(payment.Succeeded, "PM0001", ""))
	is.True(err != nil)
	is.True(!errors.Is(err, provider.ErrNotConfirmed)) // failed for redrive, not refused

	// Without credentials nothing is asked: the amount stays unknown.
	none := &reconcile.Confirmation{Keys: func(context.Context) (provider.Keys, error) { return provider.Keys{}, nil }, API: api}
	still, err := none.Amounts(ctx, unknown(payment.Succeeded, "PM0001", ""))
	is.NoErr(err)
	is.True(still.AmountUnknown)
}
