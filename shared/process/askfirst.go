package process

import (
	"context"

	"github.com/aws/aws-lambda-go/events"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider/api"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/store"
)

// Replies are the providers' answers AskFirst got for a batch that is
// not done yet: a retry of its records (stream.Deliver hands the handler
// the records from the first that failed) asks only what it was not told.
// Only answers are kept, never failures, which are asked again as Handle
// would. The zero value is empty.
type Replies struct {
	confirmed map[webhookAsked]reply[confirmation]
	amounts   map[eventAsked]reply[payment.Event]
}

func (r *Replies) ready() {
	if r.confirmed == nil {
		r.confirmed, r.amounts = map[webhookAsked]reply[confirmation]{}, map[eventAsked]reply[payment.Event]{}
	}
}

// AskFirst asks the providers' APIs now what Handle would ask them for
// event's records (Confirm, then Amounts for an event whose provider
// leaves its amount out), and returns a copy of p that answers from those
// replies. The local pipeline calls it before it takes the store's single
// writer for the batch, so that a provider's API, which may take seconds,
// never holds the receiver back. What known holds already is not asked
// again, and what is answered now is added to it. Anything not asked is
// asked when Handle needs it. A failing API opens the batch's breaker
// here, as it would in Handle.
func (p *Processor) AskFirst(ctx context.Context, event events.DynamoDBEvent, known *Replies) *Processor {
	asked := *p
	if p.Confirm == nil && p.Amounts == nil {
		return &asked
	}
	ctx = api.WithBreaker(ctx)
	var batch Replies // this try's, failures too
	known.ready()
	batch.ready()
	for _, record := range event.Records {
		if !Wants(record) {
			continue
		}
		w, err := store.DecodeWebhook(record.Change.NewImage)
		if err != nil {
			continue // Handle skips it
		}
		if p.Confirm != nil {
			c := answer(batch.confirmed, known.confirmed, askedOf(w), func() (c confirmation, err error) {
				c.webhook, c.differs, err = p.Confirm(ctx, w)
				return c, err
			})
			if c.err != nil {
				continue
			}
			w = c.value.webhook
		}
		if p.Amounts == nil || !leavesAmountsOut(w.Provider) {
			continue
		}
		if e, err := p.normalize(w); err == nil && e.AmountUnknown {
			answer(batch.amounts, known.amounts, eventAsked{e.Provider, e.EventID}, func() (payment.Event, error) { return p.Amounts(ctx, e) })
		}
	}
	if p.Confirm != nil {
		asked.Confirm = func(ctx context.Context, w store.Webhook) (store.Webhook, bool, error) {
			if c, ok := batch.confirmed[askedOf(w)]; ok {
				return c.value.webhook, c.value.differs, c.err
			}
			return p.Confirm(ctx, w)
		}
	}
	if p.Amounts != nil {
		asked.Amounts = func(ctx context.Context, e payment.Event) (payment.Event, error) {
			if a, ok := batch.amounts[eventAsked{e.Provider, e.EventID}]; ok {
				return a.value, a.err
			}
			return p.Amounts(ctx, e)
		}
	}
	return &asked
}

// reply is what a provider's API answered, or how it failed.
type reply[T any] struct {
	value T
	err   error
}

// answer is the batch's reply for key: one it already has, else one
// known from an earlier try of the batch, else the API's, asked now. A
// batch asks each key once; only answers are kept for its retries.
func answer[K comparable, T any](batch, known map[K]reply[T], key K, ask func() (T, error)) reply[T] {
	if r, ok := batch[key]; ok {
		return r
	}
	r, ok := known[key]
	if !ok {
		r.value, r.err = ask()
	}
	batch[key] = r
	if r.err == nil {
		known[key] = r
	}
	return r
}

// leavesAmountsOut says whether the provider's events may not state their
// amount, which Amounts then reads from its API (GoCardless's): only
// those are normalized ahead, not every webhook of every provider.
func leavesAmountsOut(name string) bool {
	p, ok := registry.Lookup(payment.Family(name))
	return ok && p.Events.ReadsAmounts()
}

// webhookAsked is a webhook as Confirm was asked about it: a batch may
// hold the same webhook twice, received and then set to retry.
type webhookAsked struct {
	provider, eventID string
	status            store.Status
}

func askedOf(w store.Webhook) webhookAsked {
	return webhookAsked{w.Provider, w.EventID, w.Status}
}

type eventAsked struct{ provider, eventID string }

type confirmation struct {
	webhook store.Webhook
	differs bool
}
