// Package e2e_test runs one scenario through the whole pipeline
// (receiver → table → change stream → processor and auditor → payment
// state, alerts, dead-letter queue, redrive) on each backend: DynamoDB
// Local with its real stream, and the embedded store with its change feed.
package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/ingest"
	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/paypal"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/secrets"
	"github.com/payhook/payhook/shared/store"
)

// devKeys are every registered provider's development keys, made once per
// test binary (PayPal's signer is slow to make); the receiver trusts the
// PayPal signer's authority in them.
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

// keysAndCerts are the development keys and the certificates that trust
// their PayPal signer.
func keysAndCerts(t *testing.T) (provider.Keys, provider.CertificateSource) {
	t.Helper()
	keys, err := devKeys()
	if err != nil {
		t.Fatal(err)
	}
	certs, _, err := paypal.DevCerts(keys)
	if err != nil {
		t.Fatal(err)
	}
	return keys, certs
}

// backend is what differs between the two runs.
type backend struct {
	table store.Table
	dlq   deadletter.Queue
	// start consumes the table's changes with the two handlers until the
	// test ends.
	start func(t *testing.T, processor *process.Processor, auditor *audit.Auditor)
}

// syncBuffer is the audit trail: a buffer safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) records(t *testing.T) []audit.Record {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []audit.Record
	for _, line := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var wrapped struct{ Audit audit.Record }
		if err := json.Unmarshal([]byte(line), &wrapped); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		out = append(out, wrapped.Audit)
	}
	return out
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type recordingAlerter struct {
	mu     sync.Mutex
	alerts []notify.Alert
}

func (r *recordingAlerter) Alert(_ context.Context, a notify.Alert) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.alerts = append(r.alerts, a)
	return nil
}

func (r *recordingAlerter) kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, a := range r.alerts {
		out = append(out, a.Kind+" "+a.Provider+"/"+a.EventID)
	}
	return out
}

// failOnce makes normalization of one event fail permanently the first time,
// as a bug fixed by a deploy would: the redrive then succeeds.
func failOnce(eventID string) func(payment.Delivery) (payment.Event, error) {
	var once sync.Once
	return func(d payment.Delivery) (payment.Event, error) {
		failed := false
		if d.EventID == eventID {
			once.Do(func() { failed = true })
		}
		if failed {
			return payment.Event{}, fmt.Errorf("%w: injected mapping bug", payment.ErrUnprocessable)
		}
		return registry.Normalize(d)
	}
}

// stuckUntilReleased fails one event's processing transiently (a
// dependency down) until released, counting the attempts: long enough for
// the stream's feeder to give up on it and leave it RECEIVED.
type stuckUntilReleased struct {
	eventID  string
	attempts atomic.Int32
	released atomic.Bool
	next     func(payment.Delivery) (payment.Event, error)
}

func (s *stuckUntilReleased) normalize(d payment.Delivery) (payment.Event, error) {
	if d.EventID == s.eventID && !s.released.Load() {
		s.attempts.Add(1)
		return payment.Event{}, errors.New("the payment service is down")
	}
	return s.next(d)
}

// publications records what the processor publishes.
type publications struct {
	mu  sync.Mutex
	ids []string
}

func (p *publications) Publish(_ context.Context, a payment.Announcement) error {
	e := a.Event
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ids = append(p.ids, e.EventID)
	return nil
}

func (p *publications) has(eventID string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Contains(p.ids, eventID)
}

// PII that the bodies carry and that must never reach the audit trail.
var pii = []string{"jenny.rosen@example.com", "Jenny Rosen", "4242424242424242", "buyer@example.com", "John Doe", "+1 555 0100"}

type delivery struct {
	provider, eventID, body string
}

func stripeBody(id, eventType, object string) string {
	return `{"id":"` + id + `","object":"event","type":"` + eventType + `","created":1795780800,"data":{"object":` + object + `}}`
}

func stripeIntent(pi string, amount int) string {
	return fmt.Sprintf(`{"id":%q,"object":"payment_intent","amount":%d,"amount_received":%d,"currency":"usd","receipt_email":"jenny.rosen@example.com","shipping":{"name":"Jenny Rosen","phone":"+1 555 0100"},"payment_method_details":{"card":{"number":"4242424242424242"}}}`, pi, amount, amount)
}

func runScenario(t *testing.T, b backend) {
	is := is.New(t)
	ctx := context.Background()
	keys, certs := keysAndCerts(t)
	var cfg config.Receiver
	is.NoErr(config.Load(func(string) (string, bool) { return "", false }, &cfg))
	cfg.StoreTimeout = testenv.StoreTimeout
	discard := observe.NewLogger(io.Discard, "info", "e2e")
	receiver := ingest.New(cfg, secrets.Static(keys), b.table, certs, discard)

	trail, alerts, published := &syncBuffer{}, &recordingAlerter{}, &publications{}
	stuck := &stuckUntilReleased{eventID: "evt_stuck", next: failOnce("evt_poison")}
	processor := &process.Processor{
		Store: b.table, DLQ: b.dlq, Publisher: published, Alerter: alerts, Critical: process.DefaultCritical,
		Normalize: stuck.normalize, Log: discard,
	}
	auditor := &audit.Auditor{Sink: audit.LogSink{Log: observe.NewLogger(trail, "info", "auditor")}, Alerter: alerts, Log: discard}
	b.start(t, processor, auditor)

	send := func(d delivery) string {
		t.Helper()
		signed, err := samples.Sign(d.provider, []byte(d.body), keys, d.eventID, time.Now())
		is.NoErr(err)
		resp := receiver.Handle(ctx, ingest.Request{Method: http.MethodPost, Provider: d.provider, Header: signed.Header, Body: signed.Body, SourceIP: "127.0.0.1", RequestID: "e2e"})
		is.Equal(resp.Status, 200)
		if p, _ := registry.Lookup(d.provider); p.Acknowledgement != nil {
			is.Equal(resp.Body, p.Acknowledgement.Body) // what the provider requires, whatever happened
			return "acknowledged"
		}
		var answer struct{ Status string }
		is.NoErr(json.Unmarshal(resp.Body, &answer))
		return answer.Status
	}
	eventually := func(what string, done func() bool) {
		t.Helper()
		wait.Until(t, 30*time.Second, what, done)
	}
	paymentState := func(provider, id string) payment.State {
		s, err := b.table.GetPayment(ctx, provider, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		return s
	}
	webhookStatus := func(provider, id string) store.Status {
		w, err := b.table.GetWebhook(ctx, provider, id)
		is.NoErr(err)
		return w.Status
	}

	// A payment succeeds at every provider.
	successes := []delivery{
		{"stripe", "evt_a", stripeBody("evt_a", "payment_intent.succeeded", stripeIntent("pi_A", 2000))},
		{"paypal", "WH-B", `{"id":"WH-B","event_type":"PAYMENT.CAPTURE.COMPLETED","create_time":"2026-11-27T10:00:00Z","resource":{"id":"CAP-B","amount":{"currency_code":"USD","value":"20.00"},"payer":{"email_address":"buyer@example.com","name":"John Doe"}}}`},
		{"square", "sq-evt-c", `{"merchant_id":"M1","type":"payment.updated","event_id":"sq-evt-c","created_at":"2026-11-27T10:00:00Z","data":{"type":"payment","id":"SQ-C","object":{"payment":{"id":"SQ-C","status":"COMPLETED","amount_money":{"amount":2500,"currency":"USD"},"buyer_email_address":"buyer@example.com"}}}}`},
		{"standard", "msg_d", `{"type":"payment.succeeded","timestamp":"2026-11-27T10:00:00Z","data":{"payment_id":"pay_D","amount":1234,"currency":"EUR","customer":{"email":"jenny.rosen@example.com"}}}`},
	}
	for _, d := range successes {
		is.Equal(send(d), "accepted")
	}
	is.Equal(send(successes[0]), "duplicate")

	// Every other provider's payment succeeds too, from its development
	// sample: the same path, whatever the provider.
	others := map[string]string{}
	for _, p := range registry.All {
		if slices.ContainsFunc(successes, func(d delivery) bool { return d.provider == p.Name }) {
			continue
		}
		paymentID := "pay-e2e-" + p.Name
		body, id, err := p.Development.Sample(p.Development.EventTypes()[0], provider.SampleOptions{PaymentID: paymentID, Amount: 4200, Currency: "EUR"})
		is.NoErr(err)
		is.True(send(delivery{p.Name, id, string(body)}) != "duplicate")
		others[p.Name] = paymentID
	}
	for name, paymentID := range others {
		eventually(name+"'s payment to succeed", func() bool { return paymentState(name, paymentID).Lifecycle == payment.StatusSucceeded })
	}
	eventually("every provider's payment to succeed", func() bool {
		return paymentState("stripe", "pi_A").Status == payment.StatusSucceeded &&
			paymentState("paypal", "CAP-B").Status == payment.StatusSucceeded &&
			paymentState("square", "SQ-C").Status == payment.StatusSucceeded &&
			paymentState("standard", "pay_D").Status == payment.StatusSucceeded
	})
	is.Equal(paymentState("stripe", "pi_A").AmountMinor, int64(2000))
	is.Equal(paymentState("paypal", "CAP-B").AmountMinor, int64(2000))
	is.Equal(paymentState("standard", "pay_D").Currency, "EUR")

	// A refund delivered before its payment leaves the payment refunded.
	is.Equal(send(delivery{"stripe", "evt_e_refund", stripeBody("evt_e_refund", "charge.refunded",
		`{"id":"ch_E","object":"charge","amount":3000,"amount_refunded":3000,"refunded":true,"currency":"usd","payment_intent":"pi_E","billing_details":{"email":"jenny.rosen@example.com"}}`)}), "accepted")
	eventually("the refund to be processed", func() bool { return webhookStatus("stripe", "evt_e_refund") == store.StatusProcessed })
	is.Equal(send(delivery{"stripe", "evt_e_paid", stripeBody("evt_e_paid", "payment_intent.succeeded", stripeIntent("pi_E", 3000))}), "accepted")
	eventually("the late success to be processed", func() bool { return webhookStatus("stripe", "evt_e_paid") == store.StatusProcessed })
	is.Equal(paymentState("stripe", "pi_E").Status, payment.StatusRefunded)

	// One Square refund, reported by three events, is refunded once.
	squareRefund := func(eventID, status, at string) delivery {
		return delivery{"square", eventID, `{"merchant_id":"M1","type":"refund.updated","event_id":"` + eventID + `","created_at":"` + at + `","data":{"type":"refund","id":"R-C","object":{"refund":{"id":"R-C","payment_id":"SQ-C","status":"` + status + `","amount_money":{"amount":1000,"currency":"USD"}}}}}`}
	}
	is.Equal(send(squareRefund("sq-refund-1", "PENDING", "2026-11-27T10:01:00Z")), "accepted")
	is.Equal(send(squareRefund("sq-refund-2", "COMPLETED", "2026-11-27T10:02:00Z")), "accepted")
	is.Equal(send(squareRefund("sq-refund-3", "COMPLETED", "2026-11-27T10:03:00Z")), "accepted")
	eventually("the Square refund's three events to be processed", func() bool { return webhookStatus("square", "sq-refund-3") == store.StatusProcessed })
	is.Equal(paymentState("square", "SQ-C").RefundedMinor, int64(1000))
	is.Equal(paymentState("square", "SQ-C").Status, payment.StatusPartiallyRefunded)

	// A stale event is recorded, not published.
	is.Equal(send(delivery{"stripe", "evt_a_late_failure", strings.Replace(stripeBody("evt_a_late_failure", "payment_intent.payment_failed", stripeIntent("pi_A", 2000)), "1795780800", "1795780000", 1)}), "accepted")
	eventually("the stale failure to be processed", func() bool { return webhookStatus("stripe", "evt_a_late_failure") == store.StatusProcessed })
	late, err := b.table.GetWebhook(ctx, "stripe", "evt_a_late_failure")
	is.NoErr(err)
	is.Equal(late.Outcome, string(payment.OutOfOrder))
	is.True(!published.has("evt_a_late_failure"))
	is.True(published.has("evt_a"))
	is.Equal(paymentState("stripe", "pi_A").Status, payment.StatusSucceeded)

	// A dispute raises one alert; updated, then won, it raises none more.
	paypalDispute := func(eventID, eventType, status, outcome, at string) delivery {
		return delivery{"paypal", eventID, `{"id":"` + eventID + `","event_type":"` + eventType + `","create_time":"` + at + `","resource":{"dispute_id":"PP-D-1","status":"` + status + `","dispute_amount":{"currency_code":"USD","value":"20.00"},"disputed_transactions":[{"seller_transaction_id":"CAP-B","buyer":{"name":"John Doe"}}],"dispute_outcome":{"outcome_code":"` + outcome + `"}}}`}
	}
	is.Equal(send(paypalDispute("WH-DISPUTE", "CUSTOMER.DISPUTE.CREATED", "OPEN", "", "2026-11-27T11:00:00Z")), "accepted")
	eventually("the dispute to open", func() bool { return paymentState("paypal", "CAP-B").Dispute == payment.DisputeStateOpen })
	is.Equal(send(paypalDispute("WH-DISPUTE-UPDATE", "CUSTOMER.DISPUTE.UPDATED", "UNDER_REVIEW", "", "2026-11-27T12:00:00Z")), "accepted")
	eventually("the dispute to be under review", func() bool { return paymentState("paypal", "CAP-B").DisputeStatus == "UNDER_REVIEW" })
	is.Equal(send(paypalDispute("WH-DISPUTE-WON", "CUSTOMER.DISPUTE.RESOLVED", "RESOLVED", "RESOLVED_SELLER_FAVOUR", "2026-11-27T13:00:00Z")), "accepted")
	eventually("the dispute to be won", func() bool { return paymentState("paypal", "CAP-B").Dispute == payment.DisputeWon })

	// A processing failure lands on the dead-letter queue; redrive fixes it.
	is.Equal(send(delivery{"stripe", "evt_poison", stripeBody("evt_poison", "charge.succeeded",
		`{"id":"ch_F","object":"charge","amount":700,"currency":"usd","payment_intent":"pi_F","billing_details":{"name":"Jenny Rosen"}}`)}), "accepted")
	eventually("the poison webhook to fail", func() bool { return webhookStatus("stripe", "evt_poison") == store.StatusFailed })
	// Exactly one message: redriven, none dropped as moot or kept.
	report, err := process.RedriveQueue(ctx, b.table, b.dlq)
	is.NoErr(err)
	is.Equal(report, process.RedriveReport{Redriven: []string{"stripe/evt_poison"}})
	eventually("the redriven webhook to be processed", func() bool { return webhookStatus("stripe", "evt_poison") == store.StatusProcessed })
	is.Equal(paymentState("stripe", "pi_F").Status, payment.StatusSucceeded)
	left, err := b.dlq.Receive(ctx, 10)
	is.NoErr(err)
	is.Equal(len(left), 0)

	// A webhook whose processing the stream gives up on stays RECEIVED;
	// redrive --stuck takes it back once the outage is over.
	is.Equal(send(delivery{"stripe", "evt_stuck", stripeBody("evt_stuck", "payment_intent.succeeded", stripeIntent("pi_STUCK", 900))}), "accepted")
	eventually("the stream to give up on the stuck webhook", func() bool { return stuck.attempts.Load() >= 5 })
	stuck.released.Store(true)
	is.Equal(webhookStatus("stripe", "evt_stuck"), store.StatusReceived)
	stuckReport, err := process.RedriveStuck(ctx, b.table, time.Now())
	is.NoErr(err)
	is.Equal(stuckReport.Redriven, []string{"stripe/evt_stuck"})
	eventually("the stuck webhook to be processed", func() bool { return webhookStatus("stripe", "evt_stuck") == store.StatusProcessed })
	is.Equal(paymentState("stripe", "pi_STUCK").Status, payment.StatusSucceeded)

	// Alerts: the dispute (processor) and the failure (auditor).
	eventually("both alerts", func() bool { return len(alerts.kinds()) >= 2 })
	is.Equal(alerts.kinds(), []string{"critical_event paypal/WH-DISPUTE", "webhook_failed stripe/evt_poison"})

	// The audit trail shows the poison webhook's whole life, hash-chained.
	eventually("the audit of the redrive", func() bool {
		return len(itemRecords(trail.records(t), "evt_poison")) == 4
	})
	life := itemRecords(trail.records(t), "evt_poison")
	var steps []string
	for i, r := range life {
		steps = append(steps, r.EventName+" "+r.OldStatus+"→"+r.NewStatus+" by "+r.Actor)
		if i > 0 {
			is.Equal(r.OldImageSHA256, life[i-1].NewImageSHA256) // the chain holds
		}
	}
	is.Equal(steps, []string{
		"INSERT →RECEIVED by receiver",
		"MODIFY RECEIVED→FAILED by processor",
		"MODIFY FAILED→RETRY by redrive",
		"MODIFY RETRY→PROCESSED by processor",
	})
	is.Equal(life[1].Reason, "unprocessable payload: injected mapping bug")
	for _, secret := range pii {
		is.True(!strings.Contains(trail.String(), secret)) // nothing personal in the audit trail
	}
}

func itemRecords(records []audit.Record, eventID string) []audit.Record {
	var out []audit.Record
	for _, r := range records {
		if r.Kind == "webhook" && r.EventID == eventID {
			out = append(out, r)
		}
	}
	return out
}
