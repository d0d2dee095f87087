//go:build !sandbox

package reconcile_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/rs/zerolog"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/gocardless"
	"github.com/payhook/payhook/shared/provider/paddle"
	"github.com/payhook/payhook/shared/reconcile"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/store/memory"
)

// listedAs is the event of a sample delivery of provider's as its event
// API lists it: Paddle's without the notification's own id, GoCardless's
// out of its batch.
func listedAs(t *testing.T, name, eventType string, o provider.SampleOptions) json.RawMessage {
	t.Helper()
	body, _, err := samples.Build(name, eventType, o)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		t.Fatal(err)
	}
	if name == gocardless.Name {
		var events []json.RawMessage
		if err := json.Unmarshal(fields["events"], &events); err != nil || len(events) != 1 {
			t.Fatalf("a GoCardless sample of one event: %v", err)
		}
		return events[0]
	}
	delete(fields, "notification_id")
	listed, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return listed
}

type alertsHeard []notify.Alert

func (a *alertsHeard) Alert(_ context.Context, alert notify.Alert) error {
	*a = append(*a, alert)
	return nil
}

// TestScheduledRunsReconcilePaddleAndGoCardlessFromTheirCheckpoints: the
// reconciler Lambda's scheduled run (Scheduler) with Paddle's and
// GoCardless's credentials, against their stand-ins: each provider is
// found by its credentials, listed from its own checkpoint (a settle
// period before it), alerted on when it recovered payment events, and its
// checkpoint moved. The next run, 40 minutes later, lists from the
// checkpoint on: what came since, what was still settling, and the event
// the API listed late, inside the overlap; what it stored before is left
// alone.
func TestScheduledRunsReconcilePaddleAndGoCardlessFromTheirCheckpoints(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	standins := testenv.Standins(t)
	keys := provider.Keys{
		paddle.APIKey: {standins.PaddleKey}, paddle.APIURL: {standins.PaddleURL()},
		gocardless.AccessToken: {standins.GoCardlessToken}, gocardless.APIURL: {standins.GoCardlessURL()},
	}
	first := time.Now().Add(-40 * time.Minute).UTC().Truncate(time.Second)
	clock := first
	heard := &alertsHeard{}
	s := memory.New()
	r := &reconcile.Reconciler{Store: s, Retention: func(string) time.Duration { return 35 * 24 * time.Hour }, Alerter: heard, Log: zerolog.Nop(), Clock: func() time.Time { return clock }}
	run := r.Scheduler(func(context.Context) (provider.Keys, error) { return keys, nil }, api, reconcile.DefaultWindow)

	// seed lists n payment events of each provider at each of the times.
	seed := func(label string, at ...time.Time) {
		for i, when := range at {
			standins.Seed(t, "paddle", listedAs(t, "paddle", "transaction.completed", provider.SampleOptions{PaymentID: fmt.Sprintf("txn_%s%d", label, i), Amount: 1000, At: when}))
			standins.Seed(t, "gocardless", listedAs(t, "gocardless", "payments.confirmed", provider.SampleOptions{EventID: fmt.Sprintf("EV%s%d", label, i), PaymentID: fmt.Sprintf("PM%s%d", label, i), At: when}))
		}
	}
	seed("BEFORE", first.Add(-30*time.Minute), first.Add(-20*time.Minute), first.Add(-9*time.Minute))
	seed("SETTLING", first.Add(-2*time.Minute)) // its delivery may be on the way: left to the next run

	reports, err := run(ctx)
	is.NoErr(err)
	is.Equal(len(reports), 2) // Paddle and GoCardless, found by their credentials alone
	for _, report := range reports {
		is.Equal(report.Recovered, 3)
		is.Equal(report.RecoveredPayments, 3)
		is.Equal(report.Until, first.Add(-reconcile.Settle))
		checkpoint, err := s.Checkpoint(ctx, report.Provider)
		is.NoErr(err)
		is.Equal(checkpoint.Through, first.Add(-reconcile.Settle))
	}
	is.Equal(len(*heard), 2)
	for _, a := range *heard {
		is.Equal(a.Kind, reconcile.AlertEventsRecovered)
		is.Equal(a.Reason, "3 payment events recovered from "+a.Provider+": webhook delivery is failing")
	}

	// Listed late by the API: created before the last run's end, inside
	// the overlap the next run reaches back. And one created since.
	seed("LATE", first.Add(-8*time.Minute))
	seed("SINCE", first.Add(15*time.Minute))
	clock = first.Add(40 * time.Minute)
	reports, err = run(ctx)
	is.NoErr(err)
	for _, report := range reports {
		is.Equal(report.Since, first.Add(-2*reconcile.Settle)) // from the checkpoint, a settle period before
		is.Equal(report.Until, clock.Add(-reconcile.Settle))
		is.Equal(report.Recovered, 3)     // the late one, the one that was settling, the new one
		is.Equal(report.AlreadyStored, 1) // 9 minutes before the first run: listed again, left alone
		checkpoint, err := s.Checkpoint(ctx, report.Provider)
		is.NoErr(err)
		is.Equal(checkpoint.Through, clock.Add(-reconcile.Settle))
	}
	is.Equal(len(*heard), 4)
}
