package operate_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"
	"github.com/rs/zerolog"

	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
)

// resent is a Resender that keeps what it is asked to send.
type resent struct {
	mu   sync.Mutex
	sent []payment.Announcement
}

func (r *resent) Resend(_ context.Context, a payment.Announcement, destination string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, a)
	return []string{"http://app.test/" + destination}, nil
}

// fixture is one backend under test: the operator, the store it acts on,
// and the resends it made.
type fixture struct {
	op     operate.Operator
	st     store.Table
	resent *resent
}

// base is when the scenario's first webhook arrives.
var base = time.Now().UTC().Add(-time.Hour).Truncate(time.Second)

// seed stores and processes the scenario: a Stripe payment that succeeds,
// a failure of it delivered late (ignored), a refund; three Square
// webhooks FAILED; one reconciled PayPal event.
func seed(t *testing.T, st store.Table) {
	t.Helper()
	is := is.New(t)
	ctx := context.Background()
	p := &process.Processor{Store: st, DLQ: discard{}, Alerter: notify.LogAlerter{Log: zerolog.Nop()}, Normalize: registry.Normalize, Log: zerolog.Nop()}
	stored := func(name, eventType, eventID, paymentID string, at time.Duration, occurred time.Time, w func(*store.Webhook)) store.Webhook {
		body, id, err := samples.Build(name, eventType, provider.SampleOptions{EventID: eventID, PaymentID: paymentID, Amount: 2500, Currency: "EUR", At: occurred})
		is.NoErr(err)
		received := base.Add(at)
		webhook := store.Webhook{Provider: name, EventID: id, EventType: eventType, Body: body, ReceivedAt: received, OccurredAt: occurred,
			Status: store.StatusReceived, ExpiresAt: received.Add(store.DefaultRetention), Source: store.SourceWebhook, UpdatedBy: store.ByReceiver, UpdatedAt: received,
			SignatureHeaders: map[string]string{"Stripe-Signature": "t=1,v1=secret-looking"}, RequestID: "req-" + id}
		if w != nil {
			w(&webhook)
		}
		_, err = st.PutWebhook(ctx, webhook)
		is.NoErr(err)
		return webhook
	}
	process := func(w store.Webhook) {
		item, err := store.WebhookItem(w)
		is.NoErr(err)
		resp, err := p.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{{EventName: "INSERT", Change: events.DynamoDBStreamRecord{NewImage: item}}}})
		is.NoErr(err)
		is.Equal(len(resp.BatchItemFailures), 0)
	}
	process(stored("stripe", "payment_intent.succeeded", "evt_paid", "pi_1", 0, base, nil))
	process(stored("stripe", "payment_intent.payment_failed", "evt_late", "pi_1", time.Second, base.Add(-time.Minute), nil))
	process(stored("stripe", "charge.refunded", "evt_refund", "pi_1", 2*time.Second, base.Add(time.Minute), nil))
	for i := range 3 {
		stored("square", "payment.updated", fmt.Sprintf("sq_%d", i), fmt.Sprintf("sqp_%d", i), time.Duration(3+i)*time.Second, base, func(w *store.Webhook) {
			w.Status, w.LastError, w.Attempts, w.SignatureHeaders = store.StatusFailed, "broken", 1, nil
		})
	}
	process(stored("paypal", "PAYMENT.CAPTURE.COMPLETED", "WH-recon", "CAP-1", 6*time.Second, base, func(w *store.Webhook) {
		w.Source, w.SignatureHeaders = store.SourceReconcile, nil
	}))
}

type discard struct{}

func (discard) Send(context.Context, []byte) error                         { return nil }
func (discard) Receive(context.Context, int) ([]deadletter.Message, error) { return nil, nil }
func (discard) Delete(context.Context, deadletter.Message) error           { return nil }

// Run is the operator's contract: what the CLI and a console rely on,
// whatever the backend.
func run(t *testing.T, open func(t *testing.T) fixture) {
	ctx := context.Background()
	ids := func(page operate.EventPage) []string {
		var out []string
		for _, v := range page.Events {
			out = append(out, v.EventID)
		}
		return out
	}

	t.Run("events: newest first, filtered, a page at a time", func(t *testing.T) {
		is := is.New(t)
		f := open(t)
		seed(t, f.st)
		page, err := f.op.Events(ctx, operate.Filter{}, operate.Page{Limit: 3})
		is.NoErr(err)
		is.Equal(ids(page), []string{"WH-recon", "sq_2", "sq_1"})
		var all []string
		for p := (operate.Page{Limit: 2}); ; {
			page, err := f.op.Events(ctx, operate.Filter{}, p)
			is.NoErr(err)
			all = append(all, ids(page)...)
			if page.Next == "" {
				break
			}
			p.Cursor = page.Next
		}
		is.Equal(all, []string{"WH-recon", "sq_2", "sq_1", "sq_0", "evt_refund", "evt_late", "evt_paid"})

		for filter, want := range map[string]struct {
			f   operate.Filter
			ids []string
		}{
			"status in any case":      {operate.Filter{Status: "failed"}, []string{"sq_2", "sq_1", "sq_0"}},
			"type":                    {operate.Filter{Type: "charge.refunded"}, []string{"evt_refund"}},
			"payment, as it is spelt": {operate.Filter{Payment: "stripe/pi_1"}, []string{"evt_refund", "evt_late", "evt_paid"}},
			"source":                  {operate.Filter{Source: store.SourceReconcile}, []string{"WH-recon"}},
			"since and until":         {operate.Filter{Since: base.Add(time.Second), Until: base.Add(3 * time.Second)}, []string{"evt_refund", "evt_late"}},
		} {
			page, err := f.op.Events(ctx, want.f, operate.Page{})
			is.NoErr(err)
			is.Equal(ids(page), want.ids) // filter
			_ = filter
		}
		page, err = f.op.Events(ctx, operate.Filter{Payment: "stripe/pi_1"}, operate.Page{Limit: 1})
		is.NoErr(err)
		is.Equal(page.Events[0].PaymentKey, "stripe/pi_1") // one spelling everywhere

		_, err = f.op.Events(ctx, operate.Filter{Provider: "strpe"}, operate.Page{})
		is.True(err != nil && strings.Contains(err.Error(), "stripe, paypal")) // the valid values
		_, err = f.op.Events(ctx, operate.Filter{Status: "DONE"}, operate.Page{})
		is.True(err != nil && strings.Contains(err.Error(), "RECEIVED, PROCESSED, FAILED, RETRY"))
	})

	t.Run("an event: its body, its arrival with the signature hidden, what it became", func(t *testing.T) {
		is := is.New(t)
		f := open(t)
		seed(t, f.st)
		d, err := f.op.Event(ctx, "stripe", "evt_paid")
		is.NoErr(err)
		is.True(strings.Contains(d.Body, `"pi_1"`))
		is.Equal(d.Verification.Headers, []operate.VerifiedHeader{{Name: "Stripe-Signature", Hidden: true}})
		is.True(!strings.Contains(fmt.Sprint(d), "secret-looking"))
		is.Equal(d.Canonical.Type, payment.Succeeded)
		is.Equal(d.Canonical.AmountMinor, int64(2500))
		is.Equal(d.Outcome, string(payment.Applied))
		is.Equal(d.Change.StatusTo, payment.StatusSucceeded)
		is.Equal(d.MessageID, forward.MessageID("stripe", "evt_paid"))
		is.Equal(d.RequestID, "req-evt_paid")

		recon, err := f.op.Event(ctx, "paypal", "WH-recon")
		is.NoErr(err)
		is.True(strings.HasPrefix(recon.Verification.Outcome, "fetched from paypal's event API"))

		_, err = f.op.Event(ctx, "stripe", "evt_nope")
		is.True(err != nil && strings.Contains(err.Error(), "no such webhook"))
	})

	t.Run("a payment: its state and every event, what each changed or why not", func(t *testing.T) {
		is := is.New(t)
		f := open(t)
		seed(t, f.st)
		d, err := f.op.Payment(ctx, "stripe/pi_1")
		is.NoErr(err)
		is.Equal(d.Payment, "stripe/pi_1")
		is.Equal(d.State.Status, payment.StatusRefunded)
		is.Equal(len(d.Timeline), 3)
		is.Equal(d.Timeline[0].EventID, "evt_paid")
		is.Equal(*d.Timeline[0].Change, payment.Change{StatusTo: payment.StatusSucceeded, AmountTo: 2500, Currency: "EUR", VersionTo: 1})
		is.Equal(d.Timeline[1].EventID, "evt_late")
		is.Equal(d.Timeline[1].Outcome, string(payment.OutOfOrder))
		is.True(d.Timeline[1].OutcomeReason != "")
		is.Equal(d.Timeline[1].Change, nil)
		is.Equal(d.Timeline[2].Change.StatusTo, payment.StatusRefunded)
		is.Equal(d.Timeline[2].Change.VersionFrom, int64(1))

		_, err = f.op.Payment(ctx, "stripe/pi_none")
		is.True(errors.Is(err, store.ErrNotFound) || strings.Contains(fmt.Sprint(err), "no event about it"))
		_, err = f.op.Payment(ctx, "PAYMENT#stripe#pi_1")
		is.True(err != nil && strings.Contains(err.Error(), "stripe/pi_123"))
	})

	t.Run("redrive by filter: a count first, then a page at a time", func(t *testing.T) {
		is := is.New(t)
		f := open(t)
		seed(t, f.st)
		step := func(dry bool) func(operate.Page) (operate.BulkPage, error) {
			return func(p operate.Page) (operate.BulkPage, error) {
				return f.op.RedriveMatching(ctx, operate.BulkRequest{Filter: operate.Filter{Provider: "square"}, Page: p, DryRun: dry})
			}
		}
		totals, err := operate.Drive(ctx, step(true), operate.DriveOptions{PageSize: 2})
		is.NoErr(err)
		is.Equal(totals.Matched, 3)
		is.Equal(totals.Done, 0)
		w, _ := f.st.GetWebhook(ctx, "square", "sq_0")
		is.Equal(w.Status, store.StatusFailed) // a dry run changes nothing

		var seen []operate.Totals
		totals, err = operate.Drive(ctx, step(false), operate.DriveOptions{PageSize: 2, Rate: 1000, Progress: func(t operate.Totals) { seen = append(seen, t) }})
		is.NoErr(err)
		is.Equal(totals.Done, 3)
		is.True(len(seen) >= 2) // told after each page
		for i := range 3 {
			w, _ := f.st.GetWebhook(ctx, "square", fmt.Sprintf("sq_%d", i))
			is.Equal(w.Status, store.StatusRetry)
			is.Equal(w.UpdatedBy, store.ByRedrive)
		}
		totals, err = operate.Drive(ctx, step(false), operate.DriveOptions{})
		is.NoErr(err)
		is.Equal(totals.Matched, 0) // none FAILED any more

		_, err = f.op.RedriveMatching(ctx, operate.BulkRequest{Filter: operate.Filter{Status: store.StatusReceived}})
		is.True(err != nil && strings.Contains(err.Error(), "needs until")) // never what is in flight
		_, err = f.op.RedriveMatching(ctx, operate.BulkRequest{Filter: operate.Filter{Status: store.StatusProcessed}})
		is.True(err != nil)
	})

	t.Run("resend: applied events, as first sent, oldest first", func(t *testing.T) {
		is := is.New(t)
		f := open(t)
		seed(t, f.st)
		page, err := f.op.Resend(ctx, operate.ResendRequest{Provider: "stripe", EventID: "evt_paid"})
		is.NoErr(err)
		is.Equal(page.Done, []string{"stripe/evt_paid"})
		is.Equal(len(f.resent.sent), 1)
		first := f.resent.sent[0]
		is.Equal(first.Type, payment.Succeeded)
		is.Equal(first.PaymentStatus, payment.StatusSucceeded) // as it was then, not refunded as now
		is.Equal(first.PaymentVersion, int64(1))
		m, err := forward.NewMessage(first)
		is.NoErr(err)
		is.Equal(m.ID, forward.MessageID("stripe", "evt_paid")) // consumers deduplicate on it

		page, err = f.op.Resend(ctx, operate.ResendRequest{Provider: "stripe", EventID: "evt_late"})
		is.NoErr(err)
		is.Equal(len(page.Done), 0)
		is.True(strings.Contains(page.Skipped[0], "not applied"))

		f.resent.sent = nil
		page, err = f.op.Resend(ctx, operate.ResendRequest{BulkRequest: operate.BulkRequest{Filter: operate.Filter{Payment: "stripe/pi_1"}, Page: operate.Page{Limit: store.MaxQueryLimit}}})
		is.NoErr(err)
		is.Equal(len(page.Skipped), 1) // the late failure changed nothing
		is.Equal(page.Done, []string{"stripe/evt_paid", "stripe/evt_refund"})
		is.Equal(f.resent.sent[1].PaymentVersion, int64(2))

		page, err = f.op.Resend(ctx, operate.ResendRequest{BulkRequest: operate.BulkRequest{Filter: operate.Filter{Since: base}, DryRun: true}})
		is.NoErr(err)
		is.Equal(page.Matched, 3) // two Stripe, one PayPal; the Square ones never applied
	})
}

// TestOperatorOnTheEmbeddedStore runs the contract on a data directory's
// store, directly and through the admin API a running serve answers.
func TestOperatorOnTheEmbeddedStore(t *testing.T) {
	open := func(t *testing.T) fixture {
		st, err := embedded.Open(filepath.Join(t.TempDir(), "payhook.db"), embedded.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		r := &resent{}
		return fixture{op: operate.Table{Store: st, Outbox: st, Resender: r, Transact: func(ctx context.Context, fn func(store.Processing) error) error {
			return st.InTransaction(ctx, "redrive", func(p store.Processing, _ deadletter.Queue) error { return fn(p) })
		}}, st: st, resent: r}
	}
	t.Run("directly", func(t *testing.T) { run(t, open) })
	t.Run("through the admin API", func(t *testing.T) {
		run(t, func(t *testing.T) fixture {
			f := open(t)
			server := httptest.NewServer(operate.AdminHandler(f.op, "token"))
			t.Cleanup(server.Close)
			f.op = operate.Remote{URL: server.URL, Token: "token"}
			return f
		})
	})
}
