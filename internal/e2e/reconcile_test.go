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
	"slices"
	"sync/atomic"
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
	"github.com/payhook/payhook/shared/provider/paypal"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/provider/square"
	"github.com/payhook/payhook/shared/reconcile"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/secrets"
	"github.com/payhook/payhook/shared/store"
)

func TestReconcileOnEmbeddedStore(t *testing.T) { runReconcileScenario(t, embeddedBackend(t)) }

func TestReconcileOnDynamoDBLocal(t *testing.T) { runReconcileScenario(t, dynamoBackend(t)) }

// outage is the table during an incident: while down, every write of a
// delivery fails as an unreachable store does, so the receiver answers
// 503 and the provider's deliveries are lost once it stops retrying.
type outage struct {
	store.Table
	down atomic.Bool
}

var errOutage = store.Unavailable(errors.New("the table is unreachable"))

func (o *outage) PutWebhook(ctx context.Context, w store.Webhook) (bool, error) {
	if o.down.Load() {
		return false, errOutage
	}
	return o.Table.PutWebhook(ctx, w)
}

func (o *outage) PutWebhooks(ctx context.Context, ws []store.Webhook) ([]bool, error) {
	if o.down.Load() {
		return nil, errOutage
	}
	return o.Table.PutWebhooks(ctx, ws)
}

// runReconcileScenario: Square payments delivered before, during and after
// an outage; reconciliation against Square's (stand-in) API recovers
// exactly the ones the outage lost, through pages and a 429, and the
// processor applies each once. Then PayPal deliveries are confirmed with
// PayPal's (stand-in) API: a forged one PayPal never sent ends FAILED with
// an alert.
func runReconcileScenario(t *testing.T, b backend) {
	is := is.New(t)
	ctx := context.Background()
	standins := testenv.Standins(t)
	devKeys, certs := keysAndCerts(t)
	keys := maps.Clone(devKeys)
	keys[square.AccessToken], keys[square.APIURL] = []string{standins.SquareAccessToken}, []string{standins.URL()}
	keys[paypal.ClientID], keys[paypal.ClientSecret], keys[paypal.APIURL] = []string{standins.PayPalClientID}, []string{standins.PayPalClientSecret}, []string{standins.URL()}
	is.NoErr(registry.CheckKeys(keys))

	var cfg config.Receiver
	is.NoErr(config.Load(func(string) (string, bool) { return "", false }, &cfg))
	cfg.StoreTimeout = testenv.StoreTimeout
	discard := observe.NewLogger(io.Discard, "info", "e2e")
	table := &outage{Table: b.table}
	receiver := ingest.New(cfg, secrets.Static(keys), table, certs, discard)
	api := provider.APIConfig{HTTP: &http.Client{Timeout: 10 * time.Second}}
	alerts := &recordingAlerter{}
	processor := &process.Processor{
		Store: b.table, DLQ: b.dlq, Alerter: alerts, Critical: process.DefaultCritical, Normalize: registry.Normalize, Log: discard,
		Confirm: (&reconcile.Confirmation{Keys: secrets.Static(keys).Keys, API: api}).Confirm,
	}
	b.start(t, processor, &audit.Auditor{Sink: audit.LogSink{Log: discard}, Alerter: alerts, Log: discard})

	deliver := func(name, eventType, eventID, paymentID string) (json.RawMessage, int) {
		t.Helper()
		body, id, err := samples.Build(name, eventType, provider.SampleOptions{EventID: eventID, PaymentID: paymentID, Amount: 2500})
		is.NoErr(err)
		signed, err := samples.Sign(name, body, keys, id, time.Now())
		is.NoErr(err)
		resp := receiver.Handle(ctx, ingest.Request{Method: http.MethodPost, Provider: name, Header: signed.Header, Body: signed.Body, SourceIP: "127.0.0.1", RequestID: "e2e"})
		return body, resp.Status
	}

	// Square sends every payment; payhook is down for the middle ones.
	const before, during = 3, 120
	var lost, received []string
	for i := range before + during {
		id := fmt.Sprintf("sq-evt-%03d", i)
		table.down.Store(i >= before)
		body, status := deliver("square", "payment.updated", id, fmt.Sprintf("SQ-PAY-%03d", i))
		standins.SeedSquare(t, body) // Square lists every event it sent
		if i >= before {
			is.Equal(status, http.StatusServiceUnavailable)
			lost = append(lost, id)
		} else {
			is.Equal(status, http.StatusOK)
			received = append(received, id)
		}
	}
	table.down.Store(false)
	for _, id := range lost {
		_, err := b.table.GetWebhook(ctx, "square", id)
		is.True(errors.Is(err, store.ErrNotFound)) // lost, as far as webhooks go
	}
	wait.Until(t, 30*time.Second, "the received deliveries processed", func() bool {
		for _, id := range received {
			if w, err := b.table.GetWebhook(ctx, "square", id); err != nil || w.Status != store.StatusProcessed {
				return false
			}
		}
		return true
	})
	beforeReconcile, err := b.table.GetWebhook(ctx, "square", received[0])
	is.NoErr(err)

	// Square throttles the first search; reconciliation waits as asked.
	standins.Fault(t, "/v2/events", http.StatusTooManyRequests, "1", 1)
	source, err := reconcile.SourceFor("square", keys, api)
	is.NoErr(err)
	reconciler := &reconcile.Reconciler{Store: b.table, Retention: func(p string) time.Duration { return registry.Retention(cfg.Retention, p) }, Log: discard}
	report, err := reconciler.Run(ctx, source.Provider, source.Events, time.Now().Add(-time.Hour), time.Now().Add(time.Minute))
	is.NoErr(err)
	is.Equal(report.Listed, before+during)
	is.Equal(report.AlreadyStored, before)
	is.Equal(report.Recovered, during)
	is.Equal(report.Failed, 0)
	var searches []testenv.StandinRequest
	for _, r := range standins.Requests(t) {
		if r.Path == "/v2/events" {
			searches = append(searches, r)
		}
	}
	is.True(len(searches) >= 3) // a 429, then more than one page
	is.Equal(searches[0].Status, http.StatusTooManyRequests)
	is.True(searches[1].Time.Sub(searches[0].Time) >= time.Second)

	wait.Until(t, 60*time.Second, "every recovered event processed", func() bool {
		for _, id := range lost {
			if w, err := b.table.GetWebhook(ctx, "square", id); err != nil || w.Status != store.StatusProcessed {
				return false
			}
		}
		return true
	})
	for i := range before + during {
		state, err := b.table.GetPayment(ctx, "square", fmt.Sprintf("SQ-PAY-%03d", i))
		is.NoErr(err)
		is.Equal(state.Status, payment.StatusSucceeded)
		is.Equal(state.AmountMinor, int64(2500))
		is.Equal(state.Version, int64(1)) // applied once
	}
	recovered, err := b.table.GetWebhook(ctx, "square", lost[0])
	is.NoErr(err)
	is.Equal(recovered.Source, store.SourceReconcile)
	afterReconcile, err := b.table.GetWebhook(ctx, "square", received[0])
	is.NoErr(err)
	is.Equal(afterReconcile, beforeReconcile) // a received one is left exactly as it was

	again, err := reconciler.Run(ctx, source.Provider, source.Events, time.Now().Add(-time.Hour), time.Now().Add(time.Minute))
	is.NoErr(err)
	is.Equal(again.Recovered, 0)
	is.Equal(again.AlreadyStored, before+during)

	// PayPal: a delivery is applied as PayPal holds it. A forgery of an
	// event PayPal never sent is refused; a forgery of a genuine event's
	// body (a larger amount) is alerted on and PayPal's copy applied.
	sendPayPal := func(eventID, captureID string, amount int64, known bool) {
		t.Helper()
		body, id, err := samples.Build("paypal", "PAYMENT.CAPTURE.COMPLETED", provider.SampleOptions{EventID: eventID, PaymentID: captureID, Amount: amount})
		is.NoErr(err)
		if known {
			standins.SeedPayPal(t, body) // PayPal holds the event before it sends it
		}
		signed, err := samples.Sign("paypal", body, keys, id, time.Now())
		is.NoErr(err)
		resp := receiver.Handle(ctx, ingest.Request{Method: http.MethodPost, Provider: "paypal", Header: signed.Header, Body: signed.Body, SourceIP: "127.0.0.1", RequestID: "e2e"})
		is.Equal(resp.Status, http.StatusOK) // its signature verifies: only PayPal can tell
	}
	sendPayPal("WH-GENUINE-1", "CAP-GENUINE", 2500, true)
	sendPayPal("WH-FORGED-1", "CAP-FORGED", 2500, false)
	genuine, _, err := samples.Build("paypal", "PAYMENT.CAPTURE.COMPLETED", provider.SampleOptions{EventID: "WH-GENUINE-2", PaymentID: "CAP-GENUINE-2", Amount: 2500})
	is.NoErr(err)
	standins.SeedPayPal(t, genuine)
	sendPayPal("WH-GENUINE-2", "CAP-GENUINE-2", 999900, false) // the forger's body arrives first
	wait.Until(t, 30*time.Second, "the PayPal deliveries decided", func() bool {
		statuses := map[string]store.Status{}
		for _, id := range []string{"WH-GENUINE-1", "WH-FORGED-1", "WH-GENUINE-2"} {
			w, err := b.table.GetWebhook(ctx, "paypal", id)
			if err != nil {
				return false
			}
			statuses[id] = w.Status
		}
		return statuses["WH-GENUINE-1"] == store.StatusProcessed && statuses["WH-FORGED-1"] == store.StatusFailed && statuses["WH-GENUINE-2"] == store.StatusProcessed
	})
	_, err = b.table.GetPayment(ctx, "paypal", "CAP-FORGED")
	is.True(errors.Is(err, store.ErrNotFound)) // the forgery changed no payment
	for _, capture := range []string{"CAP-GENUINE", "CAP-GENUINE-2"} {
		state, err := b.table.GetPayment(ctx, "paypal", capture)
		is.NoErr(err)
		is.Equal(state.Status, payment.StatusSucceeded)
		is.Equal(state.AmountMinor, int64(2500)) // PayPal's amount, not the forger's
	}
	stored, err := b.table.GetWebhook(ctx, "paypal", "WH-GENUINE-2")
	is.NoErr(err)
	is.Equal(string(stored.Body), string(genuine)) // what is kept is PayPal's copy
	is.True(slices.Contains(alerts.kinds(), "paypal_event_not_confirmed paypal/WH-FORGED-1"))
	is.True(slices.Contains(alerts.kinds(), "paypal_event_differs paypal/WH-GENUINE-2"))
}
