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
	r := newRig(t, nil)
	app, st, c, dest, d := r.app, r.st, r.clock, r.dest, r.d
	ctx := context.Background()

	succeededEvent := event(1, 0)
	refunded := event(1, 1)
	refunded.Type, refunded.ProviderType = payment.Refunded, "charge.refunded"
	r.commit(t, succeededEvent)
	r.commit(t, refunded)

	app.answer.Store(http.StatusBadRequest) // one bad deploy of the app
	_, err := d.Round(ctx, dest)
	is.NoErr(err)
	app.answer.Store(0) // fixed
	drain(t, d, dest, c, 10)
	is.Equal(len(app.received()), 0) // the refund waits behind the dead letter
	n, err := st.RedriveForwards(ctx, "")
	is.NoErr(err)
	is.Equal(n, 2)
	drain(t, d, dest, c, 10)

	var got []string
	for _, received := range app.received() {
		got = append(got, received.eventID)
	}
	is.Equal(got, []string{"evt_1_0", "evt_1_1"}) // the order they were applied in
}

// The app keeps failing (500) for 1000 messages of other payments, ahead
// of a healthy payment's message in the queue: that one, due all along,
// must still go out, not wait up to the retry window for the failing ones
// to be dead-lettered.
func TestAHealthyPaymentIsNotStarvedBehindAThousandFailingOnes(t *testing.T) {
	is := is.New(t)
	// The app fails on "poison" payments only (say, a bug on one merchant).
	r := newRig(t, func(app *consumer) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			body, _ := io.ReadAll(req.Body)
			if strings.Contains(string(body), `"payment_id":"pi_poison_`) {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			req.Body = io.NopCloser(strings.NewReader(string(body)))
			app.ServeHTTP(w, req)
		})
	})
	r.d.Concurrency = 64
	for p := range poisoned {
		r.commit(t, succeeded("stripe", fmt.Sprintf("evt_poison_%d", p), fmt.Sprintf("pi_poison_%d", p)))
	}
	r.commit(t, succeeded("stripe", "evt_healthy", "pi_healthy"))

	// Two simulated hours: a round every 20 minutes (every poison message
	// is due again each time; the healthy one has been due all along).
	for range 6 {
		_, err := r.d.Round(context.Background(), r.dest)
		is.NoErr(err)
		r.clock.Add(20 * time.Minute)
	}
	delivered := false
	for _, received := range r.app.received() {
		if received.eventID == "evt_healthy" {
			delivered = true
		}
	}
	is.True(delivered) // the healthy payment's event was due from the start
}

// A 429 or 503 with Retry-After: 86400 (the cap api.RetryAfter applies),
// or an HTTP date a week out, must not dead-letter the message on its
// first attempt: the wait is cut to one last attempt at the window's end.
func TestALongRetryAfterWaitsUntilTheWindowsLastAttempt(t *testing.T) {
	for name, value := range map[string]string{
		"seconds":                      "86400",
		"http date":                    time.Now().Add(7 * 24 * time.Hour).UTC().Format(http.TimeFormat),
		"one hour, window of one hour": "3600",
	} {
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			var calls atomic.Int32
			r := newRig(t, func(app *consumer) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
					if calls.Add(1) == 1 {
						w.Header().Set("Retry-After", value)
						w.WriteHeader(http.StatusTooManyRequests)
						return
					}
					app.ServeHTTP(w, req)
				})
			})
			r.clock.now = time.Now().UTC()
			if value == "3600" {
				r.d.RetryWindow = time.Hour
			}
			r.commit(t, event(1, 0))
			r.clock.Add(time.Second) // the first attempt is a second after the commit
			_, err := r.d.Round(context.Background(), r.dest)
			is.NoErr(err)
			dead, err := r.st.DeadForwards(context.Background(), "", 0)
			is.NoErr(err)
			is.Equal(len(dead), 0) // one 429 should not end the retries at once
		})
	}
}

// serve was stopped (laptop closed, deploy paused) for a day with messages
// queued. On restart they get their retries: the retry window runs from
// the first attempt, not from queueing, so one transient 503 while the
// app is also restarting does not dead-letter every old message.
func TestTheRetryWindowRunsFromTheFirstAttempt(t *testing.T) {
	is := is.New(t)
	r := newRig(t, nil)
	r.commit(t, event(1, 0))
	r.clock.Add(25 * time.Hour) // serve was down
	r.app.answer.Store(http.StatusServiceUnavailable)
	_, err := r.d.Round(context.Background(), r.dest)
	is.NoErr(err)
	dead, err := r.st.DeadForwards(context.Background(), "", 0)
	is.NoErr(err)
	is.Equal(len(dead), 0) // one failed attempt is not the end of its window
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
