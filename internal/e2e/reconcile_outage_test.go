//go:build !sandbox

package e2e_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/ingest"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/gocardless"
	"github.com/payhook/payhook/shared/provider/paddle"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/reconcile"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/secrets"
	"github.com/payhook/payhook/shared/store"
)

func TestReconcilePaddleOutageOnEmbeddedStore(t *testing.T) {
	runPaddleOutage(t, embeddedBackend(t))
}

func TestReconcilePaddleOutageOnDynamoDBLocal(t *testing.T) {
	runPaddleOutage(t, dynamoBackend(t))
}

func TestReconcileGoCardlessOutageOnEmbeddedStore(t *testing.T) {
	runGoCardlessOutage(t, embeddedBackend(t))
}

func TestReconcileGoCardlessOutageOnDynamoDBLocal(t *testing.T) {
	runGoCardlessOutage(t, dynamoBackend(t))
}

// outagePipeline is a receiver over a table that an outage can take
// down, its clock the test's, and the processor and auditor running on
// the backend.
type outagePipeline struct {
	table    *outage
	receiver *ingest.Receiver
	now      time.Time
	cfg      config.Receiver
	alerts   *recordingAlerter
	standins *testenv.ProviderStandins
	// keys are the development keys with the provider's API settings.
	keys provider.Keys
}

// startOutagePipeline starts the stand-ins and the pipeline, with the
// provider's API settings apiKeys gives pointed at the stand-ins; with
// amounts, the processor reads what the provider's events leave out.
func startOutagePipeline(t *testing.T, b backend, apiKeys func(*testenv.ProviderStandins) provider.Keys, amounts bool) *outagePipeline {
	t.Helper()
	devKeys, certs := keysAndCerts(t)
	p := &outagePipeline{table: &outage{Table: b.table}, alerts: &recordingAlerter{}, standins: testenv.Standins(t)}
	p.keys = maps.Clone(devKeys)
	maps.Copy(p.keys, apiKeys(p.standins))
	if err := registry.CheckKeys(p.keys); err != nil {
		t.Fatal(err)
	}
	keys := p.keys
	if err := config.Load(func(string) (string, bool) { return "", false }, &p.cfg); err != nil {
		t.Fatal(err)
	}
	discard := observe.NewLogger(io.Discard, "info", "e2e")
	p.receiver = ingest.New(p.cfg, secrets.Static(keys), p.table, certs, discard)
	p.receiver.Clock = func() time.Time { return p.now }
	processor := &process.Processor{
		Store: b.table, DLQ: b.dlq, Alerter: p.alerts, Critical: process.DefaultCritical, Normalize: registry.Normalize, Log: discard,
	}
	if amounts {
		// Short, so that the API's outage below fails a read in seconds.
		processor.Amounts = (&reconcile.Confirmation{Keys: secrets.Static(keys).Keys, API: e2eAPI, Timeout: 2 * time.Second}).Amounts
	}
	b.start(t, processor, &audit.Auditor{Sink: audit.LogSink{Log: discard}, Alerter: p.alerts, Log: discard})
	return p
}

var e2eAPI = provider.APIConfig{HTTP: &http.Client{Timeout: 10 * time.Second}}

// deliver sends a signed delivery as the provider would, at the
// pipeline's now, and returns the receiver's status.
func (p *outagePipeline) deliver(t *testing.T, name string, signed provider.Delivery) int {
	t.Helper()
	return p.receiver.Handle(context.Background(), ingest.Request{Method: http.MethodPost, Provider: name, Header: signed.Header, Body: signed.Body, SourceIP: "127.0.0.1", RequestID: "e2e"}).Status
}

func (p *outagePipeline) reconciler() *reconcile.Reconciler {
	return &reconcile.Reconciler{Store: p.table.Table, Retention: func(name string) time.Duration { return registry.Retention(p.cfg.Retention, name) }, Log: observe.NewLogger(io.Discard, "info", "e2e")}
}

// lists counts the stand-ins' requests to path.
func (p *outagePipeline) lists(t *testing.T, path string) int {
	t.Helper()
	n := 0
	for _, r := range p.standins.Requests(t) {
		if r.Path == path {
			n++
			if !r.Fault && r.Validation != "passed" {
				t.Errorf("%s %s: %s", r.Method, r.Path, r.Validation)
			}
		}
	}
	return n
}

// waitProcessed waits until every webhook named is PROCESSED.
func waitProcessed(t *testing.T, table store.Table, name string, ids []string) {
	t.Helper()
	wait.Until(t, 120*time.Second, fmt.Sprintf("%d %s webhooks processed", len(ids), name), func() bool {
		for _, id := range ids {
			if w, err := table.GetWebhook(context.Background(), name, id); err != nil || w.Status != store.StatusProcessed {
				return false
			}
		}
		return true
	})
}

// runPaddleOutage: Paddle's deliveries during an outage are refused
// (503); Paddle's retries after it, signed when the outage began, are
// refused as stale, as Stripe's would be. reconcile paddle recovers every
// one from Paddle's (stand-in) event stream, through two pages and a 429,
// and the processor applies each once; the deliveries that got through
// are left as they were, and a second run recovers nothing.
func runPaddleOutage(t *testing.T, b backend) {
	is := is.New(t)
	ctx := context.Background()
	p := startOutagePipeline(t, b, func(s *testenv.ProviderStandins) provider.Keys {
		return provider.Keys{paddle.APIKey: {s.PaddleKey}, paddle.APIURL: {s.PaddleURL()}}
	}, false)
	standins, keys := p.standins, p.keys

	// The outage began half an hour ago.
	began := time.Now().Add(-30 * time.Minute)
	const before, during = 3, 250
	var received, lost []string
	type attempt struct {
		id     string
		signed provider.Delivery
	}
	var retries []attempt
	var listed []json.RawMessage
	for i := range before + during {
		at := began.Add(time.Duration(i) * time.Millisecond)
		body, id, err := samples.Build("paddle", "transaction.completed", provider.SampleOptions{PaymentID: fmt.Sprintf("txn_outage%04d", i), Amount: 2500, At: at})
		is.NoErr(err)
		signed, err := samples.Sign("paddle", body, keys, id, at)
		is.NoErr(err)
		listed = append(listed, asListed(t, body)) // Paddle lists every event it sent
		p.now = at
		p.table.down.Store(i >= before)
		status := p.deliver(t, "paddle", signed)
		if i < before {
			is.Equal(status, http.StatusOK)
			received = append(received, id)
			continue
		}
		is.Equal(status, http.StatusServiceUnavailable) // payhook is down
		lost = append(lost, id)
		retries = append(retries, attempt{id, signed})
	}
	p.table.down.Store(false)
	standins.Seed(t, "paddle", listed...)

	// Paddle retries after the outage with each first attempt's signature:
	// stale now, as any 30-minute-old signature.
	p.now = time.Now()
	for _, r := range retries {
		is.Equal(p.deliver(t, "paddle", r.signed), http.StatusUnauthorized)
		_, err := b.table.GetWebhook(ctx, "paddle", r.id)
		is.True(errors.Is(err, store.ErrNotFound))
	}
	waitProcessed(t, b.table, "paddle", received)
	untouched, err := b.table.GetWebhook(ctx, "paddle", received[0])
	is.NoErr(err)

	standins.Fault(t, "/paddle/events", http.StatusTooManyRequests, "", 1) // Paddle's own Retry-After: 1
	source, err := reconcile.SourceFor("paddle", keys, e2eAPI)
	is.NoErr(err)
	report, err := p.reconciler().Run(ctx, source.Provider, source.Events, time.Now().Add(-time.Hour), time.Now())
	is.NoErr(err)
	is.Equal(report.Listed, before+during)
	is.Equal(report.AlreadyStored, before)
	is.Equal(report.Recovered, during)
	is.Equal(report.RecoveredPayments, during)
	is.Equal(p.lists(t, "/paddle/events"), 3) // the 429, then two pages of at most 200

	waitProcessed(t, b.table, "paddle", lost)
	for i := range before + during {
		state, err := b.table.GetPayment(ctx, "paddle", fmt.Sprintf("txn_outage%04d", i))
		is.NoErr(err)
		is.Equal(state.Status, payment.StatusSucceeded)
		is.Equal(state.AmountMinor, int64(2500))
		is.Equal(state.Version, int64(1)) // applied once
	}
	recovered, err := b.table.GetWebhook(ctx, "paddle", lost[0])
	is.NoErr(err)
	is.Equal(recovered.Source, store.SourceReconcile)
	after, err := b.table.GetWebhook(ctx, "paddle", received[0])
	is.NoErr(err)
	is.Equal(after, untouched) // a delivered one is left exactly as it was

	again, err := p.reconciler().Run(ctx, source.Provider, source.Events, time.Now().Add(-time.Hour), time.Now())
	is.NoErr(err)
	is.Equal(again.Recovered, 0)
	is.Equal(again.AlreadyStored, before+during)
}

// asListed is a Paddle notification as its event stream lists the event:
// the same event without the notification's own id.
func asListed(t *testing.T, notification []byte) json.RawMessage {
	t.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(notification, &fields); err != nil {
		t.Fatal(err)
	}
	delete(fields, "notification_id")
	listed, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return listed
}

// runGoCardlessOutage: GoCardless's deliveries, batches of 50 events,
// are refused during an outage until GoCardless gives up. reconcile
// gocardless recovers every event through two pages and a 429 (its
// RateLimit-Reset); the processor reads each payment's amount from
// GoCardless's API and applies each event once. A GoCardless API that
// does not answer then fails an event onto the dead-letter queue, and its
// redrive applies it with its amount.
func runGoCardlessOutage(t *testing.T, b backend) {
	is := is.New(t)
	ctx := context.Background()
	p := startOutagePipeline(t, b, func(s *testenv.ProviderStandins) provider.Keys {
		return provider.Keys{gocardless.AccessToken: {s.GoCardlessToken}, gocardless.APIURL: {s.GoCardlessURL()}}
	}, true)
	standins, keys := p.standins, p.keys
	p.now = time.Now()

	const before, during, perDelivery = 2, 600, 50
	amountOf := func(i int) int64 { return int64(1000 + i) }
	var received, lost []string
	// GoCardless holds every payment before it sends an event about it.
	var payments []json.RawMessage
	for i := range before + during {
		payments = append(payments, json.RawMessage(fmt.Sprintf(`{"id":"PM%06d","amount":%d,"currency":"GBP","status":"confirmed","created_at":"2026-11-27T10:00:00.000Z"}`, i, amountOf(i))))
	}
	standins.SeedGoCardless(t, "payments", payments...)
	var batch, listed []json.RawMessage
	var batchIDs []string
	for i := range before + during {
		id, paymentID := fmt.Sprintf("EV%06d", i), fmt.Sprintf("PM%06d", i)
		body, _, err := samples.Build("gocardless", "payments.confirmed", provider.SampleOptions{EventID: id, PaymentID: paymentID, At: p.now.Add(-20*time.Minute + time.Duration(i)*time.Millisecond)})
		is.NoErr(err)
		var delivery struct {
			Events []json.RawMessage `json:"events"`
		}
		is.NoErr(json.Unmarshal(body, &delivery))
		listed = append(listed, delivery.Events[0]) // GoCardless lists every event
		batch, batchIDs = append(batch, delivery.Events[0]), append(batchIDs, id)
		if i == before-1 || (i >= before && len(batch) == perDelivery) || i == before+during-1 {
			p.table.down.Store(i >= before)
			body, err := json.Marshal(map[string]any{"events": batch})
			is.NoErr(err)
			signed, err := samples.Sign("gocardless", body, keys, batchIDs[0], p.now)
			is.NoErr(err)
			status := p.deliver(t, "gocardless", signed)
			if i < before {
				is.Equal(status, http.StatusOK)
				received = append(received, batchIDs...)
			} else {
				is.Equal(status, http.StatusServiceUnavailable) // and GoCardless gives up, eventually
				lost = append(lost, batchIDs...)
			}
			batch, batchIDs = nil, nil
		}
	}
	p.table.down.Store(false)
	standins.Seed(t, "gocardless", listed...)
	waitProcessed(t, b.table, "gocardless", received)
	untouched, err := b.table.GetWebhook(ctx, "gocardless", received[0])
	is.NoErr(err)

	standins.Fault(t, "/gocardless/events", http.StatusTooManyRequests, "1", 1)
	source, err := reconcile.SourceFor("gocardless", keys, e2eAPI)
	is.NoErr(err)
	report, err := p.reconciler().Run(ctx, source.Provider, source.Events, time.Now().Add(-time.Hour), time.Now())
	is.NoErr(err)
	is.Equal(report.Listed, before+during)
	is.Equal(report.AlreadyStored, before)
	is.Equal(report.Recovered, during)
	is.Equal(p.lists(t, "/gocardless/events"), 3) // the 429, then pages of 500 and 102

	waitProcessed(t, b.table, "gocardless", lost)
	for i := range before + during {
		state, err := b.table.GetPayment(ctx, "gocardless", fmt.Sprintf("PM%06d", i))
		is.NoErr(err)
		is.Equal(state.Status, payment.StatusSucceeded)
		is.Equal(state.AmountMinor, amountOf(i)) // GoCardless's amount, read from its API
		is.True(!state.AmountUnknown)
		is.Equal(state.Currency, "GBP")
		is.Equal(state.Version, int64(1))
	}
	after, err := b.table.GetWebhook(ctx, "gocardless", received[0])
	is.NoErr(err)
	is.Equal(after, untouched)
	again, err := p.reconciler().Run(ctx, source.Provider, source.Events, time.Now().Add(-time.Hour), time.Now())
	is.NoErr(err)
	is.Equal(again.Recovered, 0)
	is.Equal(again.AlreadyStored, before+during)

	// GoCardless's API down: the event fails, named for redrive, rather
	// than be applied without its amount; its redrive applies it.
	standins.Fault(t, "/gocardless/payments/", http.StatusServiceUnavailable, "", 100)
	body, id, err := samples.Build("gocardless", "payments.confirmed", provider.SampleOptions{EventID: "EV999999", PaymentID: "PM999999", At: p.now})
	is.NoErr(err)
	standins.SeedGoCardless(t, "payments", json.RawMessage(`{"id":"PM999999","amount":777,"currency":"EUR","status":"confirmed","created_at":"2026-11-27T10:00:00.000Z"}`))
	signed, err := samples.Sign("gocardless", body, keys, id, p.now)
	is.NoErr(err)
	is.Equal(p.deliver(t, "gocardless", signed), http.StatusOK)
	wait.Until(t, 60*time.Second, "the event failed while GoCardless's API is down", func() bool {
		w, err := b.table.GetWebhook(ctx, "gocardless", "EV999999")
		return err == nil && w.Status == store.StatusFailed
	})
	_, err = b.table.GetPayment(ctx, "gocardless", "PM999999")
	is.True(errors.Is(err, store.ErrNotFound)) // not applied without its amount
	standins.ClearFaults(t)                    // GoCardless is back
	redriven, err := process.RedriveQueue(ctx, b.table, b.dlq)
	is.NoErr(err)
	is.Equal(redriven.Redriven, []string{"gocardless/EV999999"})
	waitProcessed(t, b.table, "gocardless", []string{"EV999999"})
	state, err := b.table.GetPayment(ctx, "gocardless", "PM999999")
	is.NoErr(err)
	is.Equal(state.AmountMinor, int64(777))
	is.Equal(state.Currency, "EUR")
}
