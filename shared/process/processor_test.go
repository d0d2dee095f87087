package process_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
)

type alerts []notify.Alert

func (a *alerts) Alert(_ context.Context, alert notify.Alert) error {
	*a = append(*a, alert)
	return nil
}

type fixture struct {
	store     *embedded.Store
	processor *process.Processor
	alerts    *alerts
	dlq       *embedded.DeadLetterQueue
}

func newFixture(t *testing.T) *fixture {
	s, err := embedded.Open(filepath.Join(t.TempDir(), "p.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f := &fixture{store: s, alerts: &alerts{}, dlq: s.DeadLetterQueue("processor")}
	f.processor = &process.Processor{
		Store: s, DLQ: f.dlq, Alerter: f.alerts, Critical: process.DefaultCritical,
		Normalize: payment.Normalize, Log: observe.NewLogger(&bytes.Buffer{}, "info", "processor"),
	}
	return f
}

// received stores a Stripe webhook and returns its INSERT stream record.
func (f *fixture) received(t *testing.T, id, eventType, object string) events.DynamoDBEventRecord {
	t.Helper()
	w := store.Webhook{
		Provider: "stripe", EventID: id, EventType: eventType, Status: store.StatusReceived,
		Body:       []byte(`{"id":"` + id + `","type":"` + eventType + `","created":1795780800,"data":{"object":` + object + `}}`),
		ReceivedAt: time.Now().UTC(), OccurredAt: time.Unix(1795780800, 0).UTC(), ExpiresAt: time.Now().Add(time.Hour),
	}
	if _, err := f.store.PutWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	item, err := store.WebhookItem(w)
	if err != nil {
		t.Fatal(err)
	}
	return events.DynamoDBEventRecord{EventName: "INSERT", Change: events.DynamoDBStreamRecord{NewImage: item, SequenceNumber: id}}
}

const refund500 = `{"id":"ch_1","object":"charge","amount":2000,"amount_refunded":500,"refunded":false,"currency":"usd","payment_intent":"pi_1"}`

func TestTheSameRecordTwiceIsAppliedOnce(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	ctx := context.Background()
	paid := f.received(t, "evt_paid", "payment_intent.succeeded", `{"id":"pi_1","object":"payment_intent","amount":2000,"amount_received":2000,"currency":"usd"}`)
	refund := f.received(t, "evt_refund", "charge.refunded", refund500)

	for range 2 { // Lambda delivers at least once: the same batch again, and a record twice in one batch
		resp, err := f.processor.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{paid, refund, refund}})
		is.NoErr(err)
		is.Equal(len(resp.BatchItemFailures), 0)
	}
	state, err := f.store.GetPayment(ctx, "stripe", "pi_1")
	is.NoErr(err)
	is.Equal(state.Status, payment.StatusPartiallyRefunded)
	is.Equal(state.AmountMinor, int64(2000))
	is.Equal(state.RefundedMinor, int64(500))
	is.Equal(state.History, []string{"evt_paid", "evt_refund"})
	is.Equal(state.Version, int64(2))
}

func TestPermanentFailureIsFailedWithOneDeadLetter(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	ctx := context.Background()
	record := f.received(t, "evt_bad", "charge.succeeded", `{"id":"ch_1","object":"charge","amount":-5,"currency":"usd","payment_intent":"pi_1"}`)
	for range 2 {
		resp, err := f.processor.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{record}})
		is.NoErr(err)
		is.Equal(len(resp.BatchItemFailures), 0) // permanent: retrying would not help
	}
	w, err := f.store.GetWebhook(ctx, "stripe", "evt_bad")
	is.NoErr(err)
	is.Equal(w.Status, store.StatusFailed)
	is.Equal(w.LastError, "unprocessable payload: AmountMinor fails min")
	letters, err := f.dlq.Receive(ctx, 10)
	is.NoErr(err)
	is.Equal(len(letters), 1)
	is.Equal(string(letters[0].Body), `{"provider":"stripe","event_id":"evt_bad","reason":"unprocessable payload: AmountMinor fails min"}`)
}

// flakyPayments fails the first n payment reads, as a throttled table would.
type flakyPayments struct {
	*embedded.Store
	n int
}

func (f *flakyPayments) GetPayment(ctx context.Context, provider, paymentID string) (payment.State, error) {
	if f.n > 0 {
		f.n--
		return payment.State{}, store.ErrUnavailable
	}
	return f.Store.GetPayment(ctx, provider, paymentID)
}

func TestTransientFailureReportsTheRecordAndEverythingAfter(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	ctx := context.Background()
	first := f.received(t, "evt_1", "charge.succeeded", `{"id":"ch_1","object":"charge","amount":100,"currency":"usd","payment_intent":"pi_1"}`)
	second := f.received(t, "evt_2", "charge.succeeded", `{"id":"ch_2","object":"charge","amount":100,"currency":"usd","payment_intent":"pi_2"}`)
	f.processor.Store = &flakyPayments{Store: f.store, n: 1}

	resp, err := f.processor.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{first, second}})
	is.NoErr(err)
	is.Equal(resp.BatchItemFailures, []events.DynamoDBBatchItemFailure{{ItemIdentifier: "evt_1"}, {ItemIdentifier: "evt_2"}})
	w, _ := f.store.GetWebhook(ctx, "stripe", "evt_2")
	is.Equal(w.Status, store.StatusReceived) // not processed out of order

	resp, err = f.processor.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{first, second}})
	is.NoErr(err)
	is.Equal(len(resp.BatchItemFailures), 0)
}

func TestCriticalEventsAlert(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	record := f.received(t, "evt_dispute", "charge.dispute.created", `{"id":"dp_1","object":"dispute","amount":2000,"currency":"usd","payment_intent":"pi_1","charge":"ch_1"}`)
	_, err := f.processor.Handle(context.Background(), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{record}})
	is.NoErr(err)
	is.Equal(len(*f.alerts), 1)
	is.Equal((*f.alerts)[0].EventType, "dispute.opened")
	is.Equal((*f.alerts)[0].PaymentID, "pi_1")
}

func TestWants(t *testing.T) {
	webhook := func(status store.Status) store.Item {
		item, _ := store.WebhookItem(store.Webhook{Provider: "stripe", EventID: "e", Status: status})
		return item
	}
	paymentItem := store.PaymentItem(payment.State{Provider: "stripe", PaymentID: "pi"}, time.Now())
	cases := []struct {
		name   string
		record events.DynamoDBEventRecord
		want   bool
	}{
		{"new webhook", events.DynamoDBEventRecord{EventName: "INSERT", Change: events.DynamoDBStreamRecord{NewImage: webhook(store.StatusReceived)}}, true},
		{"redriven webhook", events.DynamoDBEventRecord{EventName: "MODIFY", Change: events.DynamoDBStreamRecord{NewImage: webhook(store.StatusRetry)}}, true},
		{"processed webhook", events.DynamoDBEventRecord{EventName: "MODIFY", Change: events.DynamoDBStreamRecord{NewImage: webhook(store.StatusProcessed)}}, false},
		{"failed webhook", events.DynamoDBEventRecord{EventName: "MODIFY", Change: events.DynamoDBStreamRecord{NewImage: webhook(store.StatusFailed)}}, false},
		{"payment state", events.DynamoDBEventRecord{EventName: "INSERT", Change: events.DynamoDBStreamRecord{NewImage: paymentItem}}, false},
		{"expired webhook", events.DynamoDBEventRecord{EventName: "REMOVE", Change: events.DynamoDBStreamRecord{OldImage: webhook(store.StatusProcessed)}}, false},
	}
	for _, tc := range cases {
		is.New(t).Equal(process.Wants(tc.record), tc.want)
	}
}

func TestRedriveRefusesWhatIsNotFailed(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	ctx := context.Background()
	record := f.received(t, "evt_ok", "charge.succeeded", `{"id":"ch_1","object":"charge","amount":100,"currency":"usd","payment_intent":"pi_1"}`)
	_, err := f.processor.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{record}})
	is.NoErr(err)
	err = process.Redrive(ctx, f.store, "stripe", "evt_ok")
	is.Equal(err.Error(), "stripe evt_ok is PROCESSED, not FAILED: not redriven")
	is.True(errors.Is(process.Redrive(ctx, f.store, "stripe", "evt_missing"), store.ErrNotFound))
}

func TestParseCritical(t *testing.T) {
	is := is.New(t)
	types, err := process.ParseCritical(" dispute.opened, payment.failed ,")
	is.NoErr(err)
	is.Equal(types, []payment.Type{payment.DisputeOpened, payment.Failed})
	_, err = process.ParseCritical("dispute.opened,chargeback")
	is.True(err != nil)
}
