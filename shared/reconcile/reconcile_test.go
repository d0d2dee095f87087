package reconcile_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/rs/zerolog"

	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/stripe"
	"github.com/payhook/payhook/shared/reconcile"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/memory"
)

// listed is an event source holding the events a provider would list,
// with when each was created; it hands them out in pages of two and
// records each window it was asked for.
type listed struct {
	events  map[string]time.Time
	fail    error
	windows [][2]time.Time
}

func (l *listed) Events(_ context.Context, since, until time.Time, page func([]json.RawMessage) error) error {
	l.windows = append(l.windows, [2]time.Time{since, until})
	if l.fail != nil {
		return l.fail
	}
	var batch []json.RawMessage
	for id, created := range l.events {
		if created.Before(since) || !created.Before(until) {
			continue
		}
		batch = append(batch, json.RawMessage(stripeEvent(id, created)))
		if len(batch) == 2 {
			if err := page(batch); err != nil {
				return err
			}
			batch = nil
		}
	}
	if len(batch) > 0 {
		return page(batch)
	}
	return nil
}

func stripeEvent(id string, created time.Time) string {
	return fmt.Sprintf(`{"id":%q,"object":"event","type":"payment_intent.succeeded","created":%d,"data":{"object":{"id":"pi_%s","object":"payment_intent","amount":1000,"currency":"usd"}}}`, id, created.Unix(), id)
}

type alerts struct {
	mu   sync.Mutex
	seen []notify.Alert
}

func (a *alerts) Alert(_ context.Context, alert notify.Alert) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seen = append(a.seen, alert)
	return nil
}

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func newReconciler(s reconcile.Store, a notify.Alerter) *reconcile.Reconciler {
	return &reconcile.Reconciler{
		Store:     s,
		Retention: func(string) time.Duration { return 35 * 24 * time.Hour },
		Alerter:   a,
		Log:       zerolog.Nop(),
		Clock:     func() time.Time { return now },
	}
}

func TestRunStoresOnlyWhatWasNeverReceived(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	s := memory.New()
	delivered := store.Webhook{Provider: "stripe", EventID: "evt_delivered", EventType: "payment_intent.succeeded", Body: []byte(stripeEvent("evt_delivered", now.Add(-time.Hour))),
		Status: store.StatusProcessed, ReceivedAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour), Source: store.SourceWebhook}
	_, err := s.PutWebhook(ctx, delivered)
	is.NoErr(err)
	source := &listed{events: map[string]time.Time{"evt_delivered": now.Add(-time.Hour), "evt_missed_1": now.Add(-2 * time.Hour), "evt_missed_2": now.Add(-3 * time.Hour)}}

	report, err := newReconciler(s, nil).Run(ctx, stripe.Provider, source, now.Add(-72*time.Hour), now)
	is.NoErr(err)
	is.Equal(report.Listed, 3)
	is.Equal(report.AlreadyStored, 1)
	is.Equal(report.Recovered, 2)
	is.Equal(report.Failed, 0)

	untouched, err := s.GetWebhook(ctx, "stripe", "evt_delivered")
	is.NoErr(err)
	is.Equal(untouched.Status, store.StatusProcessed) // a delivered event is left as it is
	is.Equal(untouched.Source, store.SourceWebhook)
	recovered, err := s.GetWebhook(ctx, "stripe", "evt_missed_1")
	is.NoErr(err)
	is.Equal(recovered.Status, store.StatusReceived) // to be processed like any other
	is.Equal(recovered.Source, store.SourceReconcile)
	is.Equal(recovered.UpdatedBy, store.ByReconcile)
	is.Equal(recovered.OccurredAt, now.Add(-2*time.Hour))
	is.Equal(len(recovered.SignatureHeaders), 0)

	again, err := newReconciler(s, nil).Run(ctx, stripe.Provider, source, now.Add(-72*time.Hour), now)
	is.NoErr(err)
	is.Equal(again.Recovered, 0) // a second run recovers nothing
	is.Equal(again.AlreadyStored, 3)
}

func TestAnEventPayhookCannotReadFailsAloneAndHoldsTheCheckpoint(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	s := memory.New()
	source := unreadable{}
	reports, err := newReconciler(s, nil).Scheduled(ctx, []reconcile.Source{{Provider: stripe.Provider, Events: source}}, reconcile.DefaultWindow)
	is.True(err != nil) // the run fails, so its alarm says so
	is.Equal(reports[0].Failed, 1)
	is.Equal(reports[0].Recovered, 1) // the readable one is stored all the same
	_, err = s.Checkpoint(ctx, "stripe")
	is.True(errors.Is(err, store.ErrNotFound)) // the next run lists the failed one again
}

type unreadable struct{}

func (unreadable) Events(_ context.Context, _, _ time.Time, page func([]json.RawMessage) error) error {
	return page([]json.RawMessage{json.RawMessage(`{"object":"event"}`), json.RawMessage(stripeEvent("evt_ok", now.Add(-time.Hour)))})
}

func TestScheduledRunsResumeFromTheCheckpoint(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	s := memory.New()
	a := &alerts{}
	source := &listed{events: map[string]time.Time{"evt_old": now.Add(-100 * time.Hour), "evt_a": now.Add(-10 * time.Hour), "evt_new": now.Add(-time.Minute)}}
	r := newReconciler(s, a)
	sources := []reconcile.Source{{Provider: stripe.Provider, Events: source}}

	reports, err := r.Scheduled(ctx, sources, reconcile.DefaultWindow)
	is.NoErr(err)
	// The first run looks back the window, and leaves the newest events
	// (their deliveries may be on the way) to the next run.
	is.Equal(source.windows[0], [2]time.Time{now.Add(-reconcile.Settle - reconcile.DefaultWindow), now.Add(-reconcile.Settle)})
	is.Equal(reports[0].Recovered, 1) // evt_a; evt_old is outside the window
	is.Equal(len(a.seen), 1)
	is.Equal(a.seen[0].Kind, reconcile.AlertEventsRecovered)
	is.Equal(a.seen[0].Provider, "stripe")
	is.Equal(a.seen[0].Reason, "1 payment event recovered from stripe: webhook delivery is failing")
	checkpoint, err := s.Checkpoint(ctx, "stripe")
	is.NoErr(err)
	is.Equal(checkpoint.Through, now.Add(-reconcile.Settle))

	now = now.Add(15 * time.Minute)
	defer func() { now = now.Add(-15 * time.Minute) }()
	reports, err = r.Scheduled(ctx, sources, reconcile.DefaultWindow)
	is.NoErr(err)
	// The next run starts where the last ended, a settle period before.
	is.Equal(source.windows[1], [2]time.Time{checkpoint.Through.Add(-reconcile.Settle), now.Add(-reconcile.Settle)})
	is.Equal(reports[0].Recovered, 1) // evt_new, now settled
	is.Equal(len(a.seen), 2)
}

func TestAScheduledRunNeverLooksBeyondTheProvidersHistory(t *testing.T) {
	is := is.New(t)
	source := &listed{}
	_, err := newReconciler(memory.New(), nil).Scheduled(context.Background(), []reconcile.Source{{Provider: stripe.Provider, Events: source}}, 90*24*time.Hour)
	is.NoErr(err)
	is.Equal(source.windows[0][0], now.Add(-stripe.Provider.Events.History))
}

func TestAFailingProviderDoesNotStopTheOthersNorMovesItsCheckpoint(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	s := memory.New()
	broken := &listed{fail: errors.New("HTTP 503")}
	working := &listed{events: map[string]time.Time{"evt_1": now.Add(-time.Hour)}}
	other := stripe.Provider
	other.Name = "stripe-other-account"
	reports, err := newReconciler(s, nil).Scheduled(ctx, []reconcile.Source{{Provider: stripe.Provider, Events: broken}, {Provider: other, Events: working}}, reconcile.DefaultWindow)
	is.True(err != nil)
	is.Equal(len(reports), 2)
	is.Equal(reports[0].Error, "HTTP 503")
	is.Equal(reports[1].Recovered, 1)
	_, err = s.Checkpoint(ctx, "stripe")
	is.True(errors.Is(err, store.ErrNotFound))
	_, err = s.Checkpoint(ctx, "stripe-other-account")
	is.NoErr(err)
}

func TestSourceForNamesWhatIsMissing(t *testing.T) {
	is := is.New(t)
	_, err := reconcile.SourceFor("stripe", provider.Keys{}, provider.APIConfig{})
	is.Equal(err.Error(), "reconciling Stripe needs PAYHOOK_STRIPE_API_KEY")
	is.True(errors.As(err, new(reconcile.MissingCredentials))) // the caller says where they are missing
	_, err = reconcile.SourceFor("adyen", provider.Keys{}, provider.APIConfig{})
	is.Equal(err.Error(), "Adyen has no event API to reconcile against (these have: "+strings.Join(reconcile.Reconcilable(), ", ")+")")
	_, err = reconcile.SourceFor("nope", provider.Keys{}, provider.APIConfig{})
	is.True(err != nil)
	source, err := reconcile.SourceFor("stripe", provider.Keys{stripe.APIKey: {"rk_test_1"}}, provider.APIConfig{})
	is.NoErr(err)
	is.Equal(source.Provider.Name, "stripe")
}

// An event about no payment (a customer, a plan) is stored like any other,
// but raises no alarm: the endpoint may never have subscribed to it.
func TestARecoveredEventAboutNoPaymentRaisesNoAlarm(t *testing.T) {
	is := is.New(t)
	a := &alerts{}
	source := eventsOf(`{"id":"evt_customer","object":"event","type":"customer.created","created":` + fmt.Sprint(now.Add(-time.Hour).Unix()) + `,"data":{"object":{"id":"cus_1","object":"customer"}}}`)
	reports, err := newReconciler(memory.New(), a).Scheduled(context.Background(), []reconcile.Source{{Provider: stripe.Provider, Events: source}}, reconcile.DefaultWindow)
	is.NoErr(err)
	is.Equal(reports[0].Recovered, 1)
	is.Equal(reports[0].RecoveredPayments, 0)
	is.Equal(len(a.seen), 0)
}

// eventsOf lists the given events, whatever the window.
type eventsOf string

func (e eventsOf) Events(_ context.Context, _, _ time.Time, page func([]json.RawMessage) error) error {
	return page([]json.RawMessage{json.RawMessage(e)})
}

// slow lists nothing until its context ends.
type slow struct{}

func (slow) Events(ctx context.Context, _, _ time.Time, _ func([]json.RawMessage) error) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestASlowProviderCannotStarveTheOthers(t *testing.T) {
	is := is.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	other := stripe.Provider
	other.Name = "stripe-other-account"
	working := &listed{events: map[string]time.Time{"evt_1": now.Add(-time.Hour)}}
	reports, err := newReconciler(memory.New(), nil).Scheduled(ctx, []reconcile.Source{{Provider: stripe.Provider, Events: slow{}}, {Provider: other, Events: working}}, reconcile.DefaultWindow)
	is.True(err != nil)
	is.Equal(reports[1].Recovered, 1) // the second got its share of the time
}
