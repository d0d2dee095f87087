package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/store"
)

// Defaults of a scheduled run (docs/decisions.md, "Reconciliation").
const (
	// DefaultWindow is how far back a run looks at most: as long as
	// Stripe and PayPal retry, so that anything they gave up on is found.
	DefaultWindow = 72 * time.Hour
	// Settle leaves the newest events to the next run: their deliveries
	// may still be on the way, and storing them first would raise a
	// false alarm.
	Settle = 5 * time.Minute
)

// AlertEventsRecovered is the alert kind of a scheduled run that recovered
// events: a recovery means webhook delivery is failing somewhere.
const AlertEventsRecovered = "events_recovered"

// Source is one provider whose event API reconciliation reads.
type Source struct {
	Provider provider.Provider
	Events   provider.EventSource
}

// Sources are the registered providers whose API credentials keys hold
// in full; the others are not reconciled.
func Sources(keys provider.Keys, c provider.APIConfig) []Source {
	var out []Source
	for _, p := range registry.All {
		if p.Reconcilable(keys) {
			out = append(out, Source{Provider: p, Events: p.Events.New(keys, c)})
		}
	}
	return out
}

// Scheduled reconciles every source from where its last complete run
// ended (a little before, for events listed late), or window back when
// none did or that is further, and never further back than the provider
// lists. A run that completes with nothing failed moves the checkpoint;
// one that recovered events raises one alert. One provider's failure
// does not stop the others; all are returned together.
func (r *Reconciler) Scheduled(ctx context.Context, sources []Source, window time.Duration) ([]Report, error) {
	var (
		reports []Report
		errs    []error
	)
	for i, s := range sources {
		report, err := r.scheduled(ctx, s, window, len(sources)-i)
		reports = append(reports, report)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.Provider.Name, err))
		}
	}
	return reports, errors.Join(errs...)
}

// scheduled runs one source. With a deadline, each provider still to run
// gets an equal share of the time left, so that a busy first one cannot
// starve the others; one that runs out keeps its checkpoint and resumes.
func (r *Reconciler) scheduled(ctx context.Context, s Source, window time.Duration, left int) (Report, error) {
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, time.Now().Add(time.Until(deadline)/time.Duration(left)))
		defer cancel()
	}
	now := r.now()
	until := now.Add(-Settle)
	since := until.Add(-window)
	checkpoint, err := r.Store.Checkpoint(ctx, s.Provider.Name)
	switch {
	case err == nil && checkpoint.Through.Add(-Settle).After(since):
		since = checkpoint.Through.Add(-Settle)
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return Report{Provider: s.Provider.Name, Error: err.Error()}, err
	}
	if oldest := now.Add(-s.Provider.Events.History); since.Before(oldest) {
		since = oldest
	}
	if since.After(until) {
		since = until
	}
	report, err := r.Run(ctx, s.Provider, s.Events, since, until)
	if report.RecoveredPayments > 0 && r.Alerter != nil {
		alert := notify.Alert{
			Kind:     AlertEventsRecovered,
			Provider: s.Provider.Name,
			Reason:   fmt.Sprintf("%s recovered from %s: webhook delivery is failing", paymentEvents(report.RecoveredPayments), s.Provider.Name),
			At:       now,
		}
		if alertErr := r.Alerter.Alert(ctx, alert); alertErr != nil {
			err = errors.Join(err, fmt.Errorf("alert: %w", alertErr))
		}
	}
	if err == nil && report.Failed > 0 {
		err = fmt.Errorf("%d listed events could not be stored; the log names them, and the next run lists them again", report.Failed)
	}
	if err != nil {
		return report, err
	}
	if err := r.Store.SaveCheckpoint(ctx, store.Checkpoint{Provider: s.Provider.Name, Through: until, UpdatedAt: now}); err != nil {
		return report, fmt.Errorf("checkpoint: %w", err)
	}
	return report, nil
}

// SourceFor is the one provider named, when keys hold its API credentials.
// Without them the error is a MissingCredentials.
func SourceFor(name string, keys provider.Keys, c provider.APIConfig) (Source, error) {
	p, ok := registry.Lookup(name)
	switch {
	case !ok:
		return Source{}, fmt.Errorf("no provider %q (these can be reconciled: %s)", name, strings.Join(Reconcilable(), ", "))
	case p.Events == nil:
		return Source{}, fmt.Errorf("%s has no event API to reconcile against (these have: %s)", p.Title, strings.Join(Reconcilable(), ", "))
	case !p.Reconcilable(keys):
		return Source{}, MissingCredentials{Provider: p.Title, Settings: p.Events.Credentials}
	}
	return Source{Provider: p, Events: p.Events.New(keys, c)}, nil
}

// Reconcilable names the providers with an event API to reconcile against.
func Reconcilable() []string {
	var names []string
	for _, p := range registry.All {
		if p.Events != nil {
			names = append(names, p.Name)
		}
	}
	return names
}

// MissingCredentials is a reconciliation asked of a process whose
// environment (or secret) lacks the provider's API credentials; the
// caller says which process that is.
type MissingCredentials struct {
	Provider string
	Settings []string
}

func (m MissingCredentials) Error() string {
	return fmt.Sprintf("reconciling %s needs %s", m.Provider, strings.Join(m.Settings, " and "))
}

func paymentEvents(n int) string {
	if n == 1 {
		return "1 payment event"
	}
	return fmt.Sprintf("%d payment events", n)
}

// Scheduler is a scheduled run as a function of its context, with the
// keys current at each run: what the reconciler Lambda invokes.
func (r *Reconciler) Scheduler(keys func(context.Context) (provider.Keys, error), api provider.APIConfig, window time.Duration) func(context.Context) ([]Report, error) {
	return func(ctx context.Context) ([]Report, error) {
		k, err := keys(ctx)
		if err != nil {
			return nil, err
		}
		sources := Sources(k, api)
		if len(sources) == 0 {
			r.Log.Info().Msg("no provider has event API credentials: nothing to reconcile")
			return nil, nil
		}
		return r.Scheduled(ctx, sources, window)
	}
}
