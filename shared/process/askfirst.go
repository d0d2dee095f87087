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
	confirmed map[webhookAsked]confirmation
	amounts   map[eventAsked]amount
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
	if known.confirmed == nil {
		known.confirmed, known.amounts = map[webhookAsked]confirmation{}, map[eventAsked]amount{}
	}
	ctx = api.WithBreaker(ctx)
	confirmed := map[webhookAsked]confirmation{} // this batch's, failures too
	amounts := map[eventAsked]amount{}
	for _, record := range event.Records {
		if !Wants(record) {
			continue
		}
		w, err := store.DecodeWebhook(record.Change.NewImage)
		if err != nil {
			continue // Handle skips it
		}
		if p.Confirm != nil {
			c, ok := confirmed[askedOf(w)]
			if !ok {
				if c, ok = known.confirmed[askedOf(w)]; !ok {
					c.webhook, c.differs, c.err = p.Confirm(ctx, w)
				}
				confirmed[askedOf(w)] = c
				if c.err == nil {
					known.confirmed[askedOf(w)] = c
				}
			}
			if c.err != nil {
				continue
			}
			w = c.webhook
		}
		if p.Amounts == nil || !leavesAmountsOut(w.Provider) {
			continue
		}
		e, err := p.normalize(w)
		if err != nil || !e.AmountUnknown {
			continue
		}
		key := eventAsked{e.Provider, e.EventID}
		if _, ok := amounts[key]; ok {
			continue
		}
		a, ok := known.amounts[key]
		if !ok {
			a.event, a.err = p.Amounts(ctx, e)
		}
		amounts[key] = a
		if a.err == nil {
			known.amounts[key] = a
		}
	}
	if p.Confirm != nil {
		asked.Confirm = func(ctx context.Context, w store.Webhook) (store.Webhook, bool, error) {
			if c, ok := confirmed[askedOf(w)]; ok {
				return c.webhook, c.differs, c.err
			}
			return p.Confirm(ctx, w)
		}
	}
	if p.Amounts != nil {
		asked.Amounts = func(ctx context.Context, e payment.Event) (payment.Event, error) {
			if a, ok := amounts[eventAsked{e.Provider, e.EventID}]; ok {
				return a.event, a.err
			}
			return p.Amounts(ctx, e)
		}
	}
	return &asked
}

// leavesAmountsOut says whether the provider's events may not state their
// amount, which Amounts then reads from its API (GoCardless's): only
// those are normalized ahead, not every webhook of every provider.
func leavesAmountsOut(name string) bool {
	p, ok := registry.Lookup(payment.Family(name))
	return ok && p.Events != nil && p.Events.Amounts
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
	err     error
}

type amount struct {
	event payment.Event
	err   error
}
