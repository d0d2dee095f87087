package process_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
)

type alerts []notify.Alert

func (a *alerts) Alert(_ context.Context, alert notify.Alert) error {
	*a = append(*a, alert)
	return nil
}

// kinds are the alerts' kinds, in the order raised.
func (a alerts) kinds() []string {
	var kinds []string
	for _, alert := range a {
		kinds = append(kinds, alert.Kind)
	}
	return kinds
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
		Normalize: registry.Normalize, Log: observe.NewLogger(&bytes.Buffer{}, "info", "processor"),
	}
	return f
}

// received stores a Stripe webhook and returns its INSERT stream record.
func (f *fixture) received(t *testing.T, id, eventType, object string) events.DynamoDBEventRecord {
	t.Helper()
	return f.receivedAt(t, id, eventType, object, time.Unix(1795780800, 0).UTC())
}

// receivedAt is received, for an event that happened at occurred.
func (f *fixture) receivedAt(t *testing.T, id, eventType, object string, occurred time.Time) events.DynamoDBEventRecord {
	t.Helper()
	w := store.Webhook{
		Provider: "stripe", EventID: id, EventType: eventType, Status: store.StatusReceived,
		Body:       []byte(`{"id":"` + id + `","type":"` + eventType + `","created":1795780800,"data":{"object":` + object + `}}`),
		ReceivedAt: time.Now().UTC(), OccurredAt: occurred, ExpiresAt: time.Now().Add(time.Hour),
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
	is.Equal(w.LastError, "unprocessable payload: amount_minor is negative")
	letters, err := f.dlq.Receive(ctx, 10)
	is.NoErr(err)
	is.Equal(len(letters), 1)
	is.Equal(string(letters[0].Body), `{"provider":"stripe","event_id":"evt_bad","reason":"unprocessable payload: amount_minor is negative"}`)
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

// published records what the processor publishes.
type published []payment.Event

func (p *published) Publish(_ context.Context, a payment.Announcement) error {
	*p = append(*p, a.Event)
	return nil
}

const intent = `{"id":"pi_1","object":"payment_intent","amount":2000,"currency":"usd"}`

func TestAStaleEventIsRecordedAsIgnoredNeitherPublishedNorAlerted(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	pub := &published{}
	f.processor.Publisher = pub
	ctx := context.Background()
	paid := f.receivedAt(t, "evt_paid", "payment_intent.succeeded", intent, time.Unix(2000, 0).UTC())
	late := f.receivedAt(t, "evt_late_failure", "payment_intent.payment_failed", intent, time.Unix(1000, 0).UTC())
	_, err := f.processor.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{paid, late}})
	is.NoErr(err)
	is.Equal(len(*pub), 1) // only the success is news
	is.Equal((*pub)[0].EventID, "evt_paid")
	is.Equal(len(*f.alerts), 0) // payment.failed is critical, but this one changed nothing
	w, err := f.store.GetWebhook(ctx, "stripe", "evt_late_failure")
	is.NoErr(err)
	is.Equal(w.Status, store.StatusProcessed)
	is.Equal(w.Outcome, string(payment.OutOfOrder))
	is.Equal(w.OutcomeReason, "failed cannot follow succeeded")
	state, err := f.store.GetPayment(ctx, "stripe", "pi_1")
	is.NoErr(err)
	is.Equal(state.Status, payment.StatusSucceeded)
}

func TestADisputeUpdateAlertsOnlyWhenConfigured(t *testing.T) {
	dispute := func(status string) string {
		return `{"id":"dp_1","object":"dispute","amount":2000,"currency":"usd","payment_intent":"pi_1","charge":"ch_1","status":"` + status + `"}`
	}
	for _, tc := range []struct {
		name     string
		critical []payment.Type
		alerts   int
	}{
		{"default critical types", process.DefaultCritical, 1},
		{"dispute.updated configured", append([]payment.Type{payment.DisputeUpdated}, process.DefaultCritical...), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			f := newFixture(t)
			f.processor.Critical = tc.critical
			opened := f.receivedAt(t, "evt_opened", "charge.dispute.created", dispute("needs_response"), time.Unix(1000, 0).UTC())
			updated := f.receivedAt(t, "evt_updated", "charge.dispute.updated", dispute("under_review"), time.Unix(2000, 0).UTC())
			_, err := f.processor.Handle(context.Background(), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{opened, updated}})
			is.NoErr(err)
			is.Equal(len(*f.alerts), tc.alerts)
			state, err := f.store.GetPayment(context.Background(), "stripe", "pi_1")
			is.NoErr(err)
			is.Equal(state.Dispute, payment.DisputeStateOpen)
			is.Equal(state.DisputeStatus, "under_review")
		})
	}
}

func TestAFailureReasonIsBounded(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	ctx := context.Background()
	w := store.Webhook{Provider: "paypal", EventID: "WH-1", EventType: "PAYMENT.CAPTURE.COMPLETED", Status: store.StatusReceived,
		Body:       []byte(`{"resource":{"id":"C1","amount":{"value":"1.234","currency_code":"` + strings.Repeat("X", 10_000) + `"}}}`),
		ReceivedAt: time.Now().UTC(), OccurredAt: time.Now().UTC(), ExpiresAt: time.Now().Add(time.Hour)}
	_, err := f.store.PutWebhook(ctx, w)
	is.NoErr(err)
	item, _ := store.WebhookItem(w)
	_, err = f.processor.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{{EventName: "INSERT", Change: events.DynamoDBStreamRecord{NewImage: item, SequenceNumber: "1"}}}})
	is.NoErr(err)
	failed, err := f.store.GetWebhook(ctx, "paypal", "WH-1")
	is.NoErr(err)
	is.Equal(failed.Status, store.StatusFailed)
	is.True(len(failed.LastError) <= 256)
	is.True(!strings.Contains(failed.LastError, "XXXX")) // the payload's currency is not quoted
}

// TestConfirmationDecidesBeforeAnythingIsApplied: the provider's copy is
// what is applied; a delivery it does not know is failed with a critical
// alert and changes no payment; one that could not be confirmed is failed
// (to be redriven) rather than hold back the stream; one that differs from
// the provider's copy is alerted on, and the copy applied.
func TestConfirmationDecidesBeforeAnythingIsApplied(t *testing.T) {
	const delivered = `{"id":"pi_1","object":"payment_intent","amount":2000,"amount_received":2000,"currency":"usd"}`
	providersCopy := func(w store.Webhook) store.Webhook {
		w.Body = []byte(`{"id":"evt_1","type":"payment_intent.succeeded","created":1795780800,"data":{"object":{"id":"pi_1","object":"payment_intent","amount":1500,"amount_received":1500,"currency":"usd"}}}`)
		return w
	}
	cases := []struct {
		name       string
		confirm    func(store.Webhook) (store.Webhook, bool, error)
		wantStatus store.Status
		wantAmount int64
		alert      string
	}{
		{"confirmed: the provider's copy is applied", func(w store.Webhook) (store.Webhook, bool, error) { return providersCopy(w), false, nil }, store.StatusProcessed, 1500, ""},
		{"differs: alerted, and the provider's copy applied", func(w store.Webhook) (store.Webhook, bool, error) { return providersCopy(w), true, nil }, store.StatusProcessed, 1500, "stripe_event_differs"},
		{"not known to the provider", func(w store.Webhook) (store.Webhook, bool, error) {
			return w, false, fmt.Errorf("%w: unknown event", provider.ErrNotConfirmed)
		}, store.StatusFailed, 0, "stripe_event_not_confirmed"},
		{"the provider's API is down", func(w store.Webhook) (store.Webhook, bool, error) { return w, false, errors.New("HTTP 503") }, store.StatusFailed, 0, ""},
	}
	for _, tc := range cases {
		for _, asking := range askings {
			t.Run(tc.name+", "+asking.name, func(t *testing.T) {
				is := is.New(t)
				f := newFixture(t)
				ctx := context.Background()
				calls := 0
				f.processor.Confirm = func(_ context.Context, w store.Webhook) (store.Webhook, bool, error) {
					calls++
					return tc.confirm(w)
				}
				record := f.received(t, "evt_1", "payment_intent.succeeded", delivered)
				for range 2 { // delivered again: nothing alerted or dead-lettered twice
					resp, err := asking.handle(ctx, f.processor, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{record}})
					is.NoErr(err)
					is.Equal(len(resp.BatchItemFailures), 0) // never holds back the records after it
				}
				is.Equal(calls, 2) // once a delivery
				w, err := f.store.GetWebhook(ctx, "stripe", "evt_1")
				is.NoErr(err)
				is.Equal(w.Status, tc.wantStatus)
				state, err := f.store.GetPayment(ctx, "stripe", "pi_1")
				is.Equal(err == nil, tc.wantStatus == store.StatusProcessed) // nothing applied unless confirmed
				is.Equal(state.AmountMinor, tc.wantAmount)
				kinds := f.alerts.kinds()
				if tc.alert == "" {
					is.Equal(len(kinds), 0)
				} else {
					is.Equal(kinds, []string{tc.alert})
				}
				if tc.wantStatus == store.StatusFailed {
					letters, err := f.dlq.Receive(ctx, 10)
					is.NoErr(err)
					is.Equal(len(letters), 1) // on the dead-letter queue, for redrive
				}
			})
		}
	}
}

// askings are the two ways a batch's providers are asked: by Handle as it
// goes, and all first (AskFirst, the local pipeline's, before it takes the
// store's writer). Each must end the same way.
var askings = []struct {
	name   string
	handle func(context.Context, *process.Processor, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)
}{
	{"asked by Handle", func(ctx context.Context, p *process.Processor, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		return p.Handle(ctx, e)
	}},
	{"asked first", func(ctx context.Context, p *process.Processor, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		return p.AskFirst(ctx, e, &process.Replies{}).Handle(ctx, e)
	}},
}

// reads counts the webhook reads the processor makes, and can make the
// payment look as it was before any event: what a redelivery meets when a
// once stale event would now apply, or its id has left the payment's
// history.
type reads struct {
	*embedded.Store
	webhooks int
	forget   bool
}

func (r *reads) GetWebhook(ctx context.Context, provider, eventID string) (store.Webhook, error) {
	r.webhooks++
	return r.Store.GetWebhook(ctx, provider, eventID)
}

func (r *reads) GetPayment(ctx context.Context, provider, paymentID string) (payment.State, error) {
	if r.forget {
		return payment.State{}, store.ErrNotFound
	}
	return r.Store.GetPayment(ctx, provider, paymentID)
}

// TestTheStreamImageIsProcessedWithoutReadingTheWebhook: the record's
// image is the webhook; a payment's read and the commit are all the table
// sees of a webhook whose event is neither published nor critical.
func TestTheStreamImageIsProcessedWithoutReadingTheWebhook(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	counted := &reads{Store: f.store}
	f.processor.Store = counted
	ctx := context.Background()
	paid := f.received(t, "evt_paid", "payment_intent.succeeded", intent)
	resp, err := f.processor.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{paid}})
	is.NoErr(err)
	is.Equal(len(resp.BatchItemFailures), 0)
	is.Equal(counted.webhooks, 0)
	w, err := f.store.GetWebhook(ctx, "stripe", "evt_paid")
	is.NoErr(err)
	is.Equal(w.Status, store.StatusProcessed)
	state, err := f.store.GetPayment(ctx, "stripe", "pi_1")
	is.NoErr(err)
	is.Equal(state.Version, int64(1))
}

// TestARedeliveryOfAProcessedWebhookSendsNothingAgain: a record delivered
// again after its webhook was processed, when the payment would take its
// event again, is neither published nor alerted, and changes nothing: what
// would leave the table reads the webhook first, and the commit is
// conditional on its status.
func TestARedeliveryOfAProcessedWebhookSendsNothingAgain(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	counted := &reads{Store: f.store}
	pub := &published{}
	f.processor.Store, f.processor.Publisher = counted, pub
	ctx := context.Background()
	failed := f.received(t, "evt_failed", "payment_intent.payment_failed", intent)
	for range 2 {
		resp, err := f.processor.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{failed}})
		is.NoErr(err)
		is.Equal(len(resp.BatchItemFailures), 0)
		counted.forget = true // the second time round, the event would apply again
	}
	is.Equal(len(*pub), 1)
	is.Equal(len(*f.alerts), 1)   // payment.failed is critical: once
	is.Equal(counted.webhooks, 2) // before each announcement
	state, err := f.store.GetPayment(ctx, "stripe", "pi_1")
	is.NoErr(err)
	is.Equal(state.Version, int64(1))
	is.Equal(state.History, []string{"evt_failed"})

	// Without anything to announce, the commit refuses it; refused on the
	// payment's version (as the embedded store does when both conditions
	// fail), the processor reads the webhook before computing again.
	f.processor.Publisher, f.processor.Critical = nil, nil
	resp, err := f.processor.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{failed}})
	is.NoErr(err)
	is.Equal(len(resp.BatchItemFailures), 0)
	is.Equal(counted.webhooks, 3)
	state, err = f.store.GetPayment(ctx, "stripe", "pi_1")
	is.NoErr(err)
	is.Equal(state.Version, int64(1))
}

// gocardless stores a GoCardless payments.confirmed event, which carries
// no amount, and returns its INSERT stream record.
func (f *fixture) gocardless(t *testing.T, id, paymentID string) events.DynamoDBEventRecord {
	t.Helper()
	w := store.Webhook{
		Provider: "gocardless", EventID: id, EventType: "payments.confirmed", Status: store.StatusReceived,
		Body:       []byte(`{"id":"` + id + `","created_at":"2026-11-27T10:00:00.000Z","resource_type":"payments","action":"confirmed","links":{"payment":"` + paymentID + `"}}`),
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

// TestAnAmountTheProviderLeftOutIsReadOrTheWebhookFails: GoCardless's
// events carry no amount. Read from its API, the payment has its amount;
// without the API it is unknown, never 0; a payment GoCardless does not
// know fails with an alert, and an API that cannot be asked fails the
// webhook for redrive, never applies it without its amount.
func TestAnAmountTheProviderLeftOutIsReadOrTheWebhookFails(t *testing.T) {
	cases := []struct {
		name    string
		amounts func(payment.Event) (payment.Event, error)
		status  store.Status
		alert   string
		state   *payment.State
	}{
		{"read from the API", func(e payment.Event) (payment.Event, error) {
			e.AmountMinor, e.Currency, e.AmountUnknown = 4200, "GBP", false
			return e, nil
		}, store.StatusProcessed, "", &payment.State{Status: payment.StatusSucceeded, AmountMinor: 4200, Currency: "GBP"}},
		{"no API credentials", nil, store.StatusProcessed, "", &payment.State{Status: payment.StatusSucceeded, AmountUnknown: true}},
		{"a payment GoCardless does not know", func(e payment.Event) (payment.Event, error) {
			return e, fmt.Errorf("%w: no payment PM1", provider.ErrNotConfirmed)
		}, store.StatusFailed, "gocardless_payment_unknown", nil},
		{"GoCardless unreachable", func(e payment.Event) (payment.Event, error) {
			return e, errors.New("after 5 attempts: HTTP 503")
		}, store.StatusFailed, "", nil},
	}
	for _, tc := range cases {
		for _, asking := range askings {
			t.Run(tc.name+", "+asking.name, func(t *testing.T) {
				is := is.New(t)
				f := newFixture(t)
				ctx := context.Background()
				calls := 0
				if tc.amounts != nil {
					f.processor.Amounts = func(_ context.Context, e payment.Event) (payment.Event, error) {
						calls++
						return tc.amounts(e)
					}
				}
				resp, err := asking.handle(ctx, f.processor, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{f.gocardless(t, "EV1", "PM1")}})
				is.NoErr(err)
				is.Equal(len(resp.BatchItemFailures), 0)
				is.Equal(calls == 1, tc.amounts != nil) // asked once, if at all
				w, err := f.store.GetWebhook(ctx, "gocardless", "EV1")
				is.NoErr(err)
				is.Equal(w.Status, tc.status)
				state, err := f.store.GetPayment(ctx, "gocardless", "PM1")
				if tc.state == nil {
					is.True(errors.Is(err, store.ErrNotFound)) // nothing applied without its amount
					letters, err := f.dlq.Receive(ctx, 10)
					is.NoErr(err)
					is.Equal(len(letters), 1) // named for redrive
				} else {
					is.NoErr(err)
					is.Equal(state.Status, tc.state.Status)
					is.Equal(state.AmountMinor, tc.state.AmountMinor)
					is.Equal(state.AmountUnknown, tc.state.AmountUnknown)
					is.Equal(state.Currency, tc.state.Currency)
				}
				is.Equal(strings.Join(f.alerts.kinds(), ","), tc.alert)
			})
		}
	}
}
