package process

import (
	"context"

	"github.com/aws/aws-lambda-go/events"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider/api"
	"github.com/payhook/payhook/shared/store"
)

// AskFirst asks the providers' APIs now what Handle would ask them for
// event's records (Confirm, then Amounts for an event whose amount its
// provider did not state), and returns a copy of p that answers from
// those replies. The local pipeline calls it before it takes the store's
// single writer for the batch, so that a provider's API, which may take
// seconds, never holds the receiver back. What was not asked, or was cut
// short because ctx ended, is asked again when Handle needs it. A failing
// API opens the batch's breaker here, as it would in Handle.
func (p *Processor) AskFirst(ctx context.Context, event events.DynamoDBEvent) *Processor {
	asked := *p
	if p.Confirm == nil && p.Amounts == nil {
		return &asked
	}
	ctx = api.WithBreaker(ctx)
	confirmed := map[webhookAsked]confirmation{}
	amounts := map[eventAsked]amount{}
	for _, record := range event.Records {
		if !Wants(record) || ctx.Err() != nil {
			continue
		}
		w, err := store.DecodeWebhook(record.Change.NewImage)
		if err != nil {
			continue // Handle skips it
		}
		if p.Confirm != nil {
			c := confirmation{}
			c.webhook, c.differs, c.err = p.Confirm(ctx, w)
			if ctx.Err() != nil {
				continue
			}
			confirmed[askedOf(w)] = c
			if c.err != nil {
				continue
			}
			w = c.webhook
		}
		if p.Amounts == nil {
			continue
		}
		e, err := p.normalize(w)
		if err != nil || !e.AmountUnknown {
			continue
		}
		a := amount{}
		a.event, a.err = p.Amounts(ctx, e)
		if ctx.Err() == nil {
			amounts[eventAsked{e.Provider, e.EventID}] = a
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
