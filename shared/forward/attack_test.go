package forward_test

// Attacks on forwarding's promises, each one shown failing before its fix:
// order per payment across a redrive, a queue's head holding back the rest,
// Retry-After and downtime ending retries early, a late success taken for
// a status change.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/payment"
)

// A payment's first event is refused once (the app had a bug), so it is
// dead-lettered; its refund must not overtake it. The refund follows it to
// the dead letters (held), and the redrive delivers both in their order:
// had the refund gone on, the redriven success would arrive after it and
// move a refunded payment back to succeeded in an app that applies events
// in arrival order.
func TestARedriveKeepsAPaymentsEventsInOrder(t *testing.T) {
	is := is.New(t)
	secret := forward.NewSecret()
	signer, err := forward.ParseSecrets(secret)
	is.NoErr(err)
	app, srv := newConsumer(t, secret)
	st := outbox(t)
	c := &clock{now: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}
	dest := forward.Destination{Name: srv.URL, URL: srv.URL}
	queue := forward.Enqueue([]forward.Destination{dest})
	d := &forward.Dispatcher{Outbox: st, Destinations: []forward.Destination{dest}, Signer: signer, Client: forward.NewClient(time.Second), Clock: c.Now}
	ctx := context.Background()

	succeededEvent := event(1, 0)
	refunded := event(1, 1)
	refunded.Type, refunded.ProviderType = payment.Refunded, "charge.refunded"
	commit(t, st, queue, succeededEvent, c.Now())
	commit(t, st, queue, refunded, c.Now())

	app.answer.Store(http.StatusBadRequest) // one bad deploy of the app
	_, err = d.Round(ctx, dest)
	is.NoErr(err)
	app.answer.Store(0) // fixed
	drain(t, d, dest, c, 10)
	is.Equal(len(app.received()), 0) // the refund waits behind the dead letter
	n, err := st.RedriveForwards(ctx, "")
	is.NoErr(err)
	is.Equal(n, 2)
	drain(t, d, dest, c, 10)

	var got []string
	for _, r := range app.received() {
		got = append(got, r.eventID)
	}
	is.Equal(got, []string{"evt_1_0", "evt_1_1"}) // applied order; reviewed code delivers evt_1_1 then evt_1_0
}

// The consumer keeps failing (500) for 1000 messages of other payments: a
// payment whose event sits at position 1001 of the queue is never looked at
// by Round (scanLimit), though it is due and the consumer would take it. It
// waits until those 1000 are dead-lettered, up to the 24 h retry window.
func TestAHealthyPaymentIsNotStarvedBehindAThousandFailingOnes(t *testing.T) {
	is := is.New(t)
	secret := forward.NewSecret()
	signer, err := forward.ParseSecrets(secret)
	is.NoErr(err)
	app, srv := newConsumer(t, secret)
	// The app fails on "poison" payments only (say, a bug on one merchant).
	picky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > 0 {
			buf := make([]byte, r.ContentLength)
			_, _ = io.ReadFull(r.Body, buf)
			if strings.Contains(string(buf), `"payment_id":"pi_poison_`) {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			r2 := r.Clone(r.Context())
			r2.Body = readCloser{strings.NewReader(string(buf))}
			app.ServeHTTP(w, r2)
			return
		}
		app.ServeHTTP(w, r)
	}))
	t.Cleanup(picky.Close)
	_ = srv
	st := outbox(t)
	c := &clock{now: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}
	dest := forward.Destination{Name: picky.URL, URL: picky.URL}
	queue := forward.Enqueue([]forward.Destination{dest})
	d := &forward.Dispatcher{Outbox: st, Destinations: []forward.Destination{dest}, Signer: signer, Client: forward.NewClient(time.Second), Clock: c.Now, Concurrency: 64}
	for p := range poisoned {
		e := succeeded("stripe", fmt.Sprintf("evt_poison_%d", p), fmt.Sprintf("pi_poison_%d", p))
		commit(t, st, queue, e, c.Now())
	}
	commit(t, st, queue, succeeded("stripe", "evt_healthy", "pi_healthy"), c.Now())

	// Two simulated hours: a round every 20 minutes (every poison message
	// is due again each time; the healthy one has been due all along).
	for range 6 {
		_, err := d.Round(context.Background(), dest)
		is.NoErr(err)
		c.Add(20 * time.Minute)
	}
	delivered := false
	for _, r := range app.received() {
		if r.eventID == "evt_healthy" {
			delivered = true
		}
	}
	is.True(delivered) // the healthy payment's event was due from the start
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

// A 429 or 503 with Retry-After: 86400 (the cap api.RetryAfter applies),
// or an HTTP date a week out, dead-letters the message on its FIRST
// attempt: NextAttempt compares now+RetryAfter to the window and gives up,
// instead of retrying as late as the window allows.
func TestALongRetryAfterWaitsUntilTheWindowsLastAttempt(t *testing.T) {
	for name, value := range map[string]string{
		"seconds":                      "86400",
		"http date":                    time.Now().Add(7 * 24 * time.Hour).UTC().Format(http.TimeFormat),
		"one hour, window of one hour": "3600",
	} {
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			secret := forward.NewSecret()
			signer, err := forward.ParseSecrets(secret)
			is.NoErr(err)
			app, _ := newConsumer(t, secret)
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					w.Header().Set("Retry-After", value)
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				app.ServeHTTP(w, r)
			}))
			t.Cleanup(srv.Close)
			st := outbox(t)
			c := &clock{now: time.Now().UTC()}
			dest := forward.Destination{Name: srv.URL, URL: srv.URL}
			window := forward.DefaultRetryWindow
			if value == "3600" {
				window = time.Hour
			}
			d := &forward.Dispatcher{Outbox: st, Destinations: []forward.Destination{dest}, Signer: signer, Client: forward.NewClient(time.Second), Clock: c.Now, RetryWindow: window}
			commit(t, st, forward.Enqueue([]forward.Destination{dest}), event(1, 0), c.Now())
			c.Add(time.Second) // the first attempt is a second after the commit
			_, err = d.Round(context.Background(), dest)
			is.NoErr(err)
			dead, err := st.DeadForwards(context.Background(), "", 0)
			is.NoErr(err)
			is.Equal(len(dead), 0) // one 429 should not end the retries at once
		})
	}
}

// serve was stopped (laptop closed, deploy paused) for a day with messages
// queued. On restart each of them gets exactly ONE attempt: the retry
// window runs from QueuedAt, not from the first attempt, so one transient
// 503 while the app is also restarting dead-letters every old message.
func TestTheRetryWindowRunsFromTheFirstAttempt(t *testing.T) {
	is := is.New(t)
	secret := forward.NewSecret()
	signer, err := forward.ParseSecrets(secret)
	is.NoErr(err)
	app, srv := newConsumer(t, secret)
	st := outbox(t)
	c := &clock{now: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}
	dest := forward.Destination{Name: srv.URL, URL: srv.URL}
	d := &forward.Dispatcher{Outbox: st, Destinations: []forward.Destination{dest}, Signer: signer, Client: forward.NewClient(time.Second), Clock: c.Now}
	commit(t, st, forward.Enqueue([]forward.Destination{dest}), event(1, 0), c.Now())
	c.Add(25 * time.Hour) // serve was down
	app.answer.Store(http.StatusServiceUnavailable)
	_, err = d.Round(context.Background(), dest)
	is.NoErr(err)
	dead, err := st.DeadForwards(context.Background(), "", 0)
	is.NoErr(err)
	is.Equal(len(dead), 0) // one failed attempt, and it is already given up on
}

// poisoned is how many poison messages sit ahead: 1000 fills the window.
var poisoned = 1000

// A late payment.succeeded for a payment already canceled (canceled is
// final) is applied only to record the amount the cancellation lacked.
// Its message says so: the payment's status after it is canceled, and a
// consumer that fulfils on payment.succeeded can tell nothing moved.
func TestALateSuccessOfACanceledPaymentSaysThePaymentIsCanceled(t *testing.T) {
	is := is.New(t)
	canceled := succeeded("adyen", "evt_cancel", "pi_1")
	canceled.Type, canceled.ProviderType, canceled.AmountMinor = payment.Canceled, "CANCELLATION", 0
	canceled.OccurredAt = canceled.OccurredAt.Add(time.Minute)
	late := succeeded("adyen", "evt_auth", "pi_1") // older, delivered later

	var s payment.State
	s, v := s.Apply(canceled)
	is.Equal(v.Outcome, payment.Applied)
	after, v := s.Apply(late)
	is.Equal(v.Outcome, payment.Applied)
	announced := payment.Announcement{Event: late, PaymentStatus: after.Status, PaymentVersion: after.Version}
	forwards, err := forward.Enqueue([]forward.Destination{{Name: "app", URL: "http://127.0.0.1:1/"}})(announced, time.Now())
	is.NoErr(err)
	is.Equal(len(forwards), 1)
	var body forward.Body
	is.NoErr(json.Unmarshal(forwards[0].Body, &body))
	is.Equal(body.Type, payment.Succeeded)
	is.Equal(body.Data.PaymentStatus, payment.StatusCanceled)
	is.Equal(body.Data.PaymentVersion, int64(2))
}
