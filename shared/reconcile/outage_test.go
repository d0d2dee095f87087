//go:build !sandbox

package reconcile_test

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/gocardless"
	"github.com/payhook/payhook/shared/provider/paypal"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/reconcile"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
)

type alertList []notify.Alert

func (a *alertList) Alert(_ context.Context, alert notify.Alert) error {
	*a = append(*a, alert)
	return nil
}

// storedRecord stores a sample delivery of the provider's event type as
// the receiver would (one webhook per event) and returns its INSERT stream
// record.
func storedRecord(t *testing.T, s store.Table, name, eventType string, o provider.SampleOptions) (events.DynamoDBEventRecord, string) {
	t.Helper()
	body, _, err := samples.Build(name, eventType, o)
	if err != nil {
		t.Fatal(err)
	}
	return storedBody(t, s, name, body)
}

// storedBody stores a delivery of body as the receiver would and returns
// its INSERT stream record.
func storedBody(t *testing.T, s store.Table, name string, body []byte) (events.DynamoDBEventRecord, string) {
	t.Helper()
	p, _ := registry.Lookup(name)
	envelopes, err := p.NewVerifier(provider.Config{}).Parse(provider.Delivery{Body: body})
	if err != nil || len(envelopes) != 1 {
		t.Fatalf("parse %s sample: %v", name, err)
	}
	e := envelopes[0]
	w := store.Webhook{
		Provider: name, EventID: e.EventID, EventType: e.EventType, Body: e.Body, OccurredAt: e.OccurredAt, Status: store.StatusReceived,
		ReceivedAt: time.Now().UTC(), ExpiresAt: time.Now().Add(time.Hour), Source: store.SourceWebhook,
	}
	if _, err := s.PutWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	item, err := store.WebhookItem(w)
	if err != nil {
		t.Fatal(err)
	}
	return events.DynamoDBEventRecord{EventName: "INSERT", Change: events.DynamoDBStreamRecord{NewImage: item, SequenceNumber: name + e.EventID}}, e.EventID
}

// askingProcessor is the processor as it runs on AWS with provider API
// credentials: it confirms deliveries and reads missing amounts (a
// one-second budget per call), over an embedded store.
type askingProcessor struct {
	table     *embedded.Store
	dlq       *embedded.DeadLetterQueue
	alerts    *alertList
	processor *process.Processor
}

func newAskingProcessor(t *testing.T, keys provider.Keys) *askingProcessor {
	t.Helper()
	table, err := embedded.Open(filepath.Join(t.TempDir(), "p.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { table.Close() })
	p := &askingProcessor{table: table, dlq: table.DeadLetterQueue("processor"), alerts: &alertList{}}
	confirmation := &reconcile.Confirmation{Keys: func(context.Context) (provider.Keys, error) { return keys, nil }, API: api, Timeout: time.Second}
	p.processor = &process.Processor{
		Store: table, DLQ: p.dlq, Alerter: p.alerts, Critical: process.DefaultCritical, Normalize: registry.Normalize,
		Confirm: confirmation.Confirm, Amounts: confirmation.Amounts, Log: observe.NewLogger(io.Discard, "info", "processor"),
	}
	return p
}

// TestAnAPIOutageDoesNotHoldBackTheStream: GoCardless's, PayPal's and
// Checkout.com's APIs are down. A batch of the processor's records, many of theirs with
// Stripe's among them, is processed with one event of each asking the API
// (its retries) and the rest of theirs failed at once onto the dead-letter
// queue for redrive, not each waiting out its own retries: the records
// behind them (Stripe's) are applied in the same run. The API calls are
// counted; nothing is timed. The same holds when the batch's APIs are
// asked first, as the local pipeline does before it takes the store's
// writer (Processor.AskFirst).
func TestAnAPIOutageDoesNotHoldBackTheStream(t *testing.T) {
	for _, first := range []bool{false, true} {
		t.Run(fmt.Sprintf("asked first: %v", first), func(t *testing.T) { outageDoesNotHoldBackTheStream(t, first) })
	}
}

func outageDoesNotHoldBackTheStream(t *testing.T, askFirst bool) {
	is := is.New(t)
	ctx := context.Background()
	standins := testenv.Standins(t)
	keys := provider.Keys{
		gocardless.AccessToken: {standins.GoCardlessToken}, gocardless.APIURL: {standins.GoCardlessURL()},
		paypal.ClientID: {standins.PayPalClientID}, paypal.ClientSecret: {standins.PayPalClientSecret}, paypal.APIURL: {standins.URL()},
	}
	maps.Copy(keys, checkoutKeys(standins))
	standins.Fault(t, "/gocardless/payments/", http.StatusServiceUnavailable, "", 1000)
	standins.Fault(t, "/v1/notifications/webhooks-events/", http.StatusServiceUnavailable, "", 1000)
	standins.Fault(t, "/checkout/workflows/events/", http.StatusServiceUnavailable, "", 1000)

	p := newAskingProcessor(t, keys)
	table, dlq, alerts, processor := p.table, p.dlq, p.alerts, p.processor

	const each = 12
	var batch events.DynamoDBEvent
	var held []string // provider/event id
	var stripePayments []string
	for i := range each {
		record, id := storedRecord(t, table, "gocardless", "payments.confirmed", provider.SampleOptions{PaymentID: fmt.Sprintf("PM%04d", i)})
		batch.Records = append(batch.Records, record)
		held = append(held, "gocardless/"+id)
		record, id = storedRecord(t, table, "paypal", "PAYMENT.CAPTURE.COMPLETED", provider.SampleOptions{PaymentID: fmt.Sprintf("CAP%04d", i)})
		batch.Records = append(batch.Records, record)
		held = append(held, "paypal/"+id)
		record, id = storedRecord(t, table, "checkout", "payment_captured", provider.SampleOptions{})
		batch.Records = append(batch.Records, record)
		held = append(held, "checkout/"+id)
		if i%4 == 3 {
			paymentID := fmt.Sprintf("pi_behind%d", i)
			record, _ = storedRecord(t, table, "stripe", "payment_intent.succeeded", provider.SampleOptions{PaymentID: paymentID, Amount: 2000})
			batch.Records = append(batch.Records, record)
			stripePayments = append(stripePayments, paymentID)
		}
	}

	asked := -1
	if askFirst {
		processor = processor.AskFirst(ctx, batch, &process.Replies{})
		asked = len(standins.Requests(t))
	}
	resp, err := processor.Handle(ctx, batch)
	is.NoErr(err)
	is.Equal(len(resp.BatchItemFailures), 0) // the batch completes: nothing holds the stream back
	if askFirst {
		is.Equal(len(standins.Requests(t)), asked) // Handle asked no API: every reply was in hand
	}

	for _, id := range stripePayments {
		state, err := table.GetPayment(ctx, "stripe", id)
		is.NoErr(err) // applied in the same run, behind the failed ones
		is.Equal(state.Status, payment.StatusSucceeded)
	}
	for _, key := range held {
		name, id, _ := strings.Cut(key, "/")
		w, err := table.GetWebhook(ctx, name, id)
		is.NoErr(err)
		is.Equal(w.Status, store.StatusFailed)
	}
	letters, err := dlq.Receive(ctx, 100)
	is.NoErr(err)
	is.Equal(len(letters), len(held)) // each named for redrive
	is.Equal(len(*alerts), 0)         // an outage is no forgery: no critical alert

	calls := map[string]int{}
	for _, r := range standins.Requests(t) {
		switch {
		case strings.HasPrefix(r.Path, "/gocardless/payments/"):
			calls["gocardless"]++
		case strings.HasPrefix(r.Path, "/v1/notifications/webhooks-events/"):
			calls["paypal"]++
		case strings.HasPrefix(r.Path, "/checkout/workflows/events/"):
			calls["checkout"]++
		}
	}
	t.Logf("API calls for %d events of each provider: %v", each, calls)
	is.True(calls["gocardless"] >= 1 && calls["gocardless"] <= 5) // one event's attempts, not one per event
	is.True(calls["paypal"] >= 1 && calls["paypal"] <= 5)
	is.True(calls["checkout"] >= 1 && calls["checkout"] <= 5)
}
