package forward_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
)

// consumer is the user's endpoint: it verifies every message with the
// Standard Webhooks reference library and records what it accepted.
type consumer struct {
	t      *testing.T
	wh     *standardwebhooks.Webhook
	answer atomic.Int32 // the status it answers; 0 means 204
	mu     sync.Mutex
	got    []received // every accepted attempt, in arrival order
}

type received struct {
	id        string
	paymentID string
	eventID   string
}

func newConsumer(t *testing.T, secret string) (*consumer, *httptest.Server) {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	c := &consumer{t: t, wh: wh}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return c, srv
}

func (c *consumer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := c.wh.Verify(body, r.Header); err != nil {
		c.t.Errorf("consumer could not verify a forwarded message: %v", err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if status := int(c.answer.Load()); status != 0 {
		w.WriteHeader(status)
		return
	}
	var m forward.Body
	if err := json.Unmarshal(body, &m); err != nil {
		c.t.Errorf("forwarded body: %v", err)
	}
	c.mu.Lock()
	c.got = append(c.got, received{id: r.Header.Get("webhook-id"), paymentID: m.Data.PaymentID, eventID: m.Data.EventID})
	c.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (c *consumer) received() []received {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]received(nil), c.got...)
}

// clock is the test's time, moved by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// outbox is an embedded store in which processed events queue forwards,
// as the processor commits them.
func outbox(t *testing.T) *embedded.Store {
	st, err := embedded.Open(filepath.Join(t.TempDir(), "payhook.db"), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// commit stores a webhook for e and commits it processed with the
// forwards queue gives it, as the processor does.
func commit(t *testing.T, st *embedded.Store, queue func(payment.Announcement, time.Time) ([]store.Forward, error), e payment.Event, at time.Time) {
	t.Helper()
	ctx := context.Background()
	w := store.Webhook{Provider: e.Provider, EventID: e.EventID, EventType: e.ProviderType, ReceivedAt: at, Body: []byte("{}"), Status: store.StatusReceived, ExpiresAt: at.Add(time.Hour)}
	if _, err := st.PutWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	forwards, err := queue(payment.Announcement{Event: e}, at)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CommitProcessed(ctx, store.Commit{Webhook: w, Verdict: payment.Verdict{Outcome: payment.Applied}, Forwards: forwards, At: at}); err != nil {
		t.Fatal(err)
	}
}

func event(payment, n int) payment.Event {
	e := succeeded("stripe", fmt.Sprintf("evt_%d_%d", payment, n), fmt.Sprintf("pi_%d", payment))
	e.OccurredAt = e.OccurredAt.Add(time.Duration(n) * time.Second)
	return e
}

// drain runs rounds, moving the clock to each next attempt, until nothing
// waits or rounds run out.
func drain(t *testing.T, d *forward.Dispatcher, dest forward.Destination, c *clock, rounds int) {
	t.Helper()
	for range rounds {
		next, err := d.Round(context.Background(), dest)
		if err != nil {
			t.Fatal(err)
		}
		if next.IsZero() {
			return
		}
		if next.After(c.Now()) {
			c.Add(next.Sub(c.Now()))
		}
	}
}

// rig is one destination's delivery under test: the app (behind front,
// when given), an outbox, the test's clock, and a dispatcher over them.
type rig struct {
	app   *consumer
	st    *embedded.Store
	clock *clock
	dest  forward.Destination
	d     *forward.Dispatcher
}

func newRig(t *testing.T, front func(app *consumer) http.Handler) *rig {
	t.Helper()
	secret := forward.NewSecret()
	signer, err := forward.ParseSecrets(secret)
	if err != nil {
		t.Fatal(err)
	}
	app, srv := newConsumer(t, secret)
	url := srv.URL
	if front != nil {
		fronted := httptest.NewServer(front(app))
		t.Cleanup(fronted.Close)
		url = fronted.URL
	}
	r := &rig{app: app, st: outbox(t), clock: &clock{now: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}, dest: forward.Destination{Name: url, URL: url}}
	r.d = &forward.Dispatcher{Outbox: r.st, Destinations: []forward.Destination{r.dest}, Signer: signer, Client: forward.NewClient(time.Second), Clock: r.clock.Now}
	return r
}

// commit queues e for the rig's destination, as the processor does.
func (r *rig) commit(t *testing.T, e payment.Event) {
	t.Helper()
	commit(t, r.st, forward.Enqueue([]forward.Destination{r.dest}), e, r.clock.Now())
}

func TestAConsumerDownForAWhileGetsEveryEventInOrderPerPayment(t *testing.T) {
	is := is.New(t)
	r := newRig(t, nil)
	app, st, c, dest, d := r.app, r.st, r.clock, r.dest, r.d

	app.answer.Store(http.StatusServiceUnavailable) // the app is down
	for n := range 4 {
		for p := range 3 {
			r.commit(t, event(p, n))
		}
	}
	for range 5 { // five rounds of failures, each waiting its backoff
		next, err := d.Round(context.Background(), dest)
		is.NoErr(err)
		c.Add(next.Sub(c.Now()))
	}
	is.Equal(len(app.received()), 0)
	statuses, err := st.ForwardStatuses(context.Background())
	is.NoErr(err)
	is.Equal(len(statuses), 1)
	is.Equal(statuses[0].Backlog, 12)
	is.Equal(statuses[0].LastError, "answered 503")

	app.answer.Store(0) // back
	drain(t, d, dest, c, 50)
	got := app.received()
	is.Equal(len(got), 12) // every event, once
	byPayment := map[string][]string{}
	for _, r := range got {
		byPayment[r.paymentID] = append(byPayment[r.paymentID], r.eventID)
	}
	for p := range 3 {
		is.Equal(byPayment[fmt.Sprintf("pi_%d", p)], []string{
			fmt.Sprintf("evt_%d_0", p), fmt.Sprintf("evt_%d_1", p), fmt.Sprintf("evt_%d_2", p), fmt.Sprintf("evt_%d_3", p),
		})
	}
	statuses, err = st.ForwardStatuses(context.Background())
	is.NoErr(err)
	is.Equal(statuses[0].Backlog, 0)
	is.Equal(statuses[0].Delivered, int64(12))
	is.Equal(statuses[0].LastSuccess, c.Now())
}

func TestAConsumerAnswering500ForeverEndsOnTheDeadLetterQueueAndIsRedriven(t *testing.T) {
	is := is.New(t)
	r := newRig(t, nil)
	app, st, c, dest, d := r.app, r.st, r.clock, r.dest, r.d
	var outcomes []forward.Outcome
	d.RetryWindow, d.Observe = time.Hour, func(o forward.Observation) { outcomes = append(outcomes, o.Outcome) }
	r.commit(t, event(1, 0))
	app.answer.Store(http.StatusInternalServerError)
	drain(t, d, dest, c, 100)

	ctx := context.Background()
	dead, err := st.DeadForwards(ctx, "", 0)
	is.NoErr(err)
	is.Equal(len(dead), 1)
	is.Equal(dead[0].LastError, "answered 500")
	is.True(dead[0].Attempts > 3)                                   // retried with backoff first
	is.True(!dead[0].DeadAt.After(dead[0].QueuedAt.Add(time.Hour))) // within the window
	is.Equal(outcomes[len(outcomes)-1], forward.DeadLettered)
	pending, err := st.PendingForwards(ctx, dest.Name, 0, 10)
	is.NoErr(err)
	is.Equal(len(pending), 0)

	app.answer.Store(0)
	n, err := st.RedriveForwards(ctx, "")
	is.NoErr(err)
	is.Equal(n, 1)
	drain(t, d, dest, c, 10)
	is.Equal(len(app.received()), 1)
	dead, err = st.DeadForwards(ctx, "", 0)
	is.NoErr(err)
	is.Equal(len(dead), 0)
}

func TestARefusalGoesStraightToTheDeadLetterQueue(t *testing.T) {
	is := is.New(t)
	r := newRig(t, nil)
	app, st, dest, d := r.app, r.st, r.dest, r.d
	r.commit(t, event(1, 0))
	r.commit(t, event(1, 1))
	app.answer.Store(http.StatusUnprocessableEntity)
	_, err := d.Round(context.Background(), dest)
	is.NoErr(err)
	dead, err := st.DeadForwards(context.Background(), dest.Name, 0)
	is.NoErr(err)
	is.Equal(len(dead), 1)
	is.Equal(dead[0].Attempts, 1)
	is.Equal(dead[0].LastError, "answered 422")
	// The payment's next event follows it there unsent, however willing
	// the app: delivered before it, it would overtake it at the redrive.
	app.answer.Store(0)
	_, err = d.Round(context.Background(), dest)
	is.NoErr(err)
	is.Equal(len(app.received()), 0)
	dead, err = st.DeadForwards(context.Background(), dest.Name, 0)
	is.NoErr(err)
	is.Equal(len(dead), 2)
	is.Equal(dead[1].Attempts, 0)
	// Another payment's events are not held.
	r.commit(t, event(2, 0))
	_, err = d.Round(context.Background(), dest)
	is.NoErr(err)
	is.Equal(len(app.received()), 1)
	is.Equal(app.received()[0].eventID, "evt_2_0")
}

func TestALateAnswerMeansAnotherAttemptWithTheSameID(t *testing.T) {
	is := is.New(t)
	var calls atomic.Int32
	r := newRig(t, func(app *consumer) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if calls.Add(1) == 1 {
				time.Sleep(300 * time.Millisecond) // it does the work, then answers too late
			}
			app.ServeHTTP(w, req)
		})
	})
	app := r.app
	r.d.Client = forward.NewClient(100 * time.Millisecond)
	r.commit(t, event(1, 0))
	drain(t, r.d, r.dest, r.clock, 10)
	time.Sleep(400 * time.Millisecond) // the late handler finishes
	got := app.received()
	is.Equal(len(got), 2)          // once per attempt
	is.Equal(got[0].id, got[1].id) // the same webhook-id: the consumer keeps one
}

func TestOnlyTheWantedTypesAreQueued(t *testing.T) {
	is := is.New(t)
	disputes := forward.Destination{Name: "disputes", URL: "http://127.0.0.1:1/", Types: []payment.Type{payment.DisputeOpened}}
	all := forward.Destination{Name: "all", URL: "http://127.0.0.1:2/"}
	forwards, err := forward.Enqueue([]forward.Destination{disputes, all})(payment.Announcement{Event: event(1, 0)}, time.Now())
	is.NoErr(err)
	is.Equal(len(forwards), 1)
	is.Equal(forwards[0].Destination, "all")
}
