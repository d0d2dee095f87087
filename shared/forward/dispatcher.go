package forward

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/store"
)

// Enqueue returns the processor's Forwards for destinations: the message
// of an applied event, once for each destination that wants its type.
func Enqueue(destinations []Destination) func(payment.Event, time.Time) ([]store.Forward, error) {
	return func(e payment.Event, at time.Time) ([]store.Forward, error) {
		var forwards []store.Forward
		var m Message
		for _, d := range destinations {
			if !d.Wants(e.Type) {
				continue
			}
			if m.ID == "" {
				var err error
				if m, err = NewMessage(e); err != nil {
					return nil, err
				}
			}
			forwards = append(forwards, store.Forward{
				Destination: d.Name, MessageID: m.ID, EventType: string(e.Type), PaymentKey: m.PaymentKey, Body: m.Body, QueuedAt: at.UTC(),
			})
		}
		return forwards, nil
	}
}

// Dispatcher delivers the outbox to its destinations: each destination's
// queue in order, one message of a payment at a time (the next only once
// the one before it is delivered or given up on), up to Concurrency
// messages of different payments at once.
type Dispatcher struct {
	Outbox       store.Outbox
	Destinations []Destination
	Signer       Signer
	// Client makes the attempts: NewClient(DefaultTimeout) when nil.
	Client *http.Client
	// RetryWindow is how long a message is retried: DefaultRetryWindow
	// when zero.
	RetryWindow time.Duration
	// Concurrency bounds the attempts in flight per destination: 8 when
	// zero.
	Concurrency int
	// Queued, when set, returns a channel closed once more forwards may
	// have been queued; the dispatcher also looks every PollInterval.
	Queued func() <-chan struct{}
	// Observe, when set, is told each attempt's destination and outcome.
	Observe func(destination string, outcome Outcome)
	Log     zerolog.Logger
	Clock   func() time.Time
}

// scanLimit bounds one round's read of a queue: a destination that is
// down leaves at most this many messages to look at each round.
const scanLimit = 1000

// PollInterval is the longest a due message waits for its round.
const PollInterval = time.Second

// Run delivers until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, dest := range d.Destinations {
		wg.Go(func() { d.run(ctx, dest) })
	}
	wg.Wait()
}

func (d *Dispatcher) run(ctx context.Context, dest Destination) {
	for ctx.Err() == nil {
		var queued <-chan struct{}
		if d.Queued != nil {
			// Taken before the read, so a commit during the round wakes the next.
			queued = d.Queued()
		}
		next, err := d.Round(ctx, dest)
		if err != nil && ctx.Err() == nil {
			d.Log.Error().Err(err).Str("destination", dest.Name).Msg("forwarding: reading the outbox failed; trying again")
		}
		wait := PollInterval
		if !next.IsZero() {
			wait = min(wait, max(next.Sub(d.now()), 0))
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-queued:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// Round makes every attempt due now for dest, and returns when the next
// waiting message falls due (now, when a delivery may have freed one; zero
// when nothing waits).
func (d *Dispatcher) Round(ctx context.Context, dest Destination) (time.Time, error) {
	pending, err := d.Outbox.PendingForwards(ctx, dest.Name, scanLimit)
	if err != nil {
		return time.Time{}, err
	}
	now := d.now()
	var due []store.Forward
	var next time.Time
	seen := map[string]bool{}
	for _, f := range pending {
		key := f.PaymentKey
		if key == "" {
			key = f.MessageID
		}
		if seen[key] {
			continue // a message before it, of the same payment, goes first
		}
		seen[key] = true
		if f.NextAttempt.After(now) {
			if next.IsZero() || f.NextAttempt.Before(next) {
				next = f.NextAttempt
			}
			continue
		}
		due = append(due, f)
	}
	if len(due) == 0 {
		return next, nil
	}
	concurrency := d.Concurrency
	if concurrency <= 0 {
		concurrency = 8
	}
	slots := make(chan struct{}, concurrency)
	errs := make(chan error, len(due))
	var wg sync.WaitGroup
	for _, f := range due {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			errs <- d.deliver(ctx, dest, f)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return time.Time{}, err
		}
	}
	return now, nil
}

// deliver makes one attempt and records what came of it.
func (d *Dispatcher) deliver(ctx context.Context, dest Destination, f store.Forward) error {
	client := d.Client
	if client == nil {
		client = NewClient(DefaultTimeout)
	}
	// Signed at the wall clock's time whatever Clock says: consumers hold
	// webhook-timestamp to theirs.
	r := Attempt(ctx, client, dest.URL, d.Signer, Message{ID: f.MessageID, Body: f.Body}, time.Now())
	now := d.now()
	if ctx.Err() != nil {
		return nil // shutting down: the attempt does not count
	}
	log := d.Log.With().Str("destination", dest.Name).Str("message_id", f.MessageID).Str("type", f.EventType).Logger()
	outcome := r.Outcome
	var err error
	switch r.Outcome {
	case Delivered:
		err = d.Outbox.ForwardDelivered(ctx, f, now)
		log.Debug().Int("status", r.Status).Int("attempts", f.Attempts+1).Msg("forwarded")
	default:
		window := d.RetryWindow
		if window <= 0 {
			window = DefaultRetryWindow
		}
		f.Attempts++
		f.LastError = r.Reason
		next, retry := NextAttempt(r, f.Attempts, f.QueuedAt, now, window)
		if retry {
			f.NextAttempt = next
			err = d.Outbox.ForwardFailed(ctx, f, now)
			log.Warn().Str("reason", r.Reason).Int("attempts", f.Attempts).Time("next_attempt", next).Msg("forward failed; will retry")
			break
		}
		if outcome == Retry {
			outcome = DeadLettered
		}
		err = d.Outbox.DeadLetterForward(ctx, f, now)
		log.Error().Str("reason", r.Reason).Int("attempts", f.Attempts).Msg("forward given up: on the dead-letter queue (payhook redrive --forwards)")
	}
	if d.Observe != nil {
		d.Observe(dest.Name, outcome)
	}
	return err
}

func (d *Dispatcher) now() time.Time {
	if d.Clock != nil {
		return d.Clock().UTC()
	}
	return time.Now().UTC()
}
