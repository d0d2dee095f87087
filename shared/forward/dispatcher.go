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
func Enqueue(destinations []Destination) func(payment.Announcement, time.Time) ([]store.Forward, error) {
	return func(a payment.Announcement, at time.Time) ([]store.Forward, error) {
		e := a.Event
		var forwards []store.Forward
		var m Message
		for _, d := range destinations {
			if !d.Wants(e.Type) {
				continue
			}
			if m.ID == "" {
				var err error
				if m, err = NewMessage(a); err != nil {
					return nil, err
				}
			}
			forwards = append(forwards, store.Forward{
				Destination: d.Name, MessageID: m.ID, EventType: string(e.Type), PaymentKey: m.PaymentKey, Body: m.Body, QueuedAt: at.UTC(),
				Provider: e.Provider, EventID: e.EventID,
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
	// Observe, when set, is told of each attempt (and of each message held
	// behind its payment's dead letter, which is not tried).
	Observe func(Observation)
	Log     zerolog.Logger
	Clock   func() time.Time
}

// defaultClient makes the attempts of a Dispatcher given no Client.
var defaultClient = NewClient(DefaultTimeout)

// pageSize is how many queued messages one read of the outbox returns; a
// round reads pages until the queue's end or maxScan messages, so that a
// message due behind a long run of failing ones still goes out.
const (
	pageSize = 1000
	maxScan  = 100_000
)

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
	now := d.now()
	due, next, err := d.due(ctx, dest, now)
	if err != nil || len(due) == 0 {
		return next, err
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

// due reads dest's queue in order and picks the messages to act on now:
// the first waiting message of each payment, once it is due. It also
// returns when the earliest of the others falls due.
func (d *Dispatcher) due(ctx context.Context, dest Destination, now time.Time) ([]store.Forward, time.Time, error) {
	var due []store.Forward
	var next time.Time
	seen := map[string]bool{}
	var after uint64
	for scanned := 0; scanned < maxScan; {
		page, err := d.Outbox.PendingForwards(ctx, dest.Name, after, pageSize)
		if err != nil {
			return nil, time.Time{}, err
		}
		for _, f := range page {
			key := f.PaymentKey
			if key == "" {
				key = f.MessageID
			}
			if seen[key] {
				continue // a message before it, of the same payment, goes first
			}
			seen[key] = true
			if !f.Held && f.NextAttempt.After(now) {
				if next.IsZero() || f.NextAttempt.Before(next) {
					next = f.NextAttempt
				}
				continue
			}
			due = append(due, f)
		}
		if len(page) < pageSize {
			break
		}
		scanned += len(page)
		after = page[len(page)-1].Seq
	}
	return due, next, nil
}

// deliver makes one attempt and records what came of it.
func (d *Dispatcher) deliver(ctx context.Context, dest Destination, f store.Forward) error {
	if f.Held {
		f.LastError = "held: an earlier event of this payment is on the dead-letter queue; payhook redrive --forwards sends them in order"
		d.observe(Observation{Destination: dest.Name, MessageID: f.MessageID, Type: f.EventType, Outcome: Held, Reason: f.LastError})
		return d.Outbox.DeadLetterForward(ctx, f, d.now())
	}
	client := d.Client
	if client == nil {
		client = defaultClient
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
	f.LastStatus = r.Status
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
		if f.FirstAttemptAt.IsZero() {
			f.FirstAttemptAt = now
		}
		f.Attempts++
		f.LastError = r.Reason
		next, retry := NextAttempt(r, f.Attempts, f.FirstAttemptAt, now, window)
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
	d.observe(Observation{Destination: dest.Name, MessageID: f.MessageID, Type: f.EventType, Status: r.Status, Outcome: outcome, Reason: r.Reason})
	return err
}

// Observation is one attempt at a message, as metrics count it and
// serve's terminal shows it.
type Observation struct {
	// Destination names where it was posted: its URL, query values hidden.
	Destination string
	MessageID   string
	Type        string
	// Status is the answer's (0: none came); Reason says why an attempt
	// failed, never quoting the answer's body.
	Status  int
	Outcome Outcome
	Reason  string
}

func (d *Dispatcher) observe(o Observation) {
	if d.Observe != nil {
		d.Observe(o)
	}
}

func (d *Dispatcher) now() time.Time {
	if d.Clock != nil {
		return d.Clock().UTC()
	}
	return time.Now().UTC()
}
