package reconcile

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/api"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/store"
)

// Confirmation fetches each delivered webhook's event from the provider
// before the processor acts on it, for providers whose event API can
// (EventAPI.Confirms: PayPal, Checkout.com) and whose credentials are
// set, and hands the processor the provider's copy. It closes what a
// signature over a CRC32 (PayPal's) leaves open, and what a leaked
// signing key would open: whatever a forger puts in a delivery, only what
// the provider holds for that event id is ever processed. It also reads the
// amounts a provider's events leave out (Amounts: GoCardless).
type Confirmation struct {
	// Keys are the current provider keys (secrets.Cache's, on AWS).
	Keys func(ctx context.Context) (provider.Keys, error)
	API  provider.APIConfig
	// Timeout bounds one confirmation, retries included; 20 s when zero,
	// and never more than half the time the caller has left.
	Timeout time.Duration
	// Confirming, when set, names the providers whose deliveries Confirm
	// fetches (config.Reconcile.Confirmed: PAYHOOK_PAYPAL_CONFIRM,
	// PAYHOOK_CHECKOUT_CONFIRM); unset, every provider whose API confirms.
	Confirming map[string]bool

	mu sync.Mutex
	// sources keeps one source per provider and credentials, so that an
	// OAuth token is reused until it expires, and a rotation starts anew.
	sources map[string]provider.EventSource
}

// Confirm returns w as the provider holds it (its body, type and time from
// the provider's copy), and whether the delivery differed from that copy.
// w is returned as it is when it needs no confirmation: fetched by
// reconciliation in the first place, or of a provider that confirms
// nothing. An error wraps provider.ErrNotConfirmed when the provider does
// not know the event; any other error means it could not be asked.
func (c *Confirmation) Confirm(ctx context.Context, w store.Webhook) (store.Webhook, bool, error) {
	p, ok := registry.Lookup(w.Provider)
	if w.Source == store.SourceReconcile || !ok || p.Events == nil || !p.Events.Confirms || (c.Confirming != nil && !c.Confirming[p.Name]) {
		return w, false, nil
	}
	keys, err := c.Keys(ctx)
	if err != nil {
		return w, false, err
	}
	if !p.Reconcilable(keys) {
		return w, false, nil
	}
	confirmer, ok := c.source(p, keys).(provider.Confirmer)
	if !ok {
		return w, false, nil
	}
	var confirmed provider.Confirmed
	err = c.ask(ctx, p.Name, func(ctx context.Context) (err error) {
		confirmed, err = confirmer.Confirm(ctx, w.Body)
		return err
	})
	if err != nil {
		return w, false, err
	}
	envelopes, err := p.NewVerifier(provider.Config{}).Parse(provider.Delivery{Body: confirmed.Body})
	if err != nil || len(envelopes) != 1 || envelopes[0].EventID != w.EventID {
		return w, false, fmt.Errorf("%s's copy of event %s cannot be read as that event", p.Title, w.EventID)
	}
	e := envelopes[0]
	w.Body, w.EventType, w.OccurredAt = e.Body, e.EventType, e.OccurredAt
	return w, confirmed.Differs, nil
}

// Amounts completes an event whose amount its provider's webhooks leave
// out (provider.EventAPI.Amounts: GoCardless) with what the provider's API
// holds, when its credentials are set; otherwise e is returned as it is,
// its amount unknown. An error wraps provider.ErrNotConfirmed when the
// provider does not know the payment or refund; any other error means it
// could not be asked.
func (c *Confirmation) Amounts(ctx context.Context, e payment.Event) (payment.Event, error) {
	p, ok := registry.Lookup(payment.Family(e.Provider))
	if !e.AmountUnknown || !ok || !p.Events.ReadsAmounts() {
		return e, nil
	}
	keys, err := c.Keys(ctx)
	if err != nil {
		return e, err
	}
	if !p.Reconcilable(keys) {
		return e, nil
	}
	amounter, ok := c.source(p, keys).(provider.Amounter)
	if !ok {
		return e, nil
	}
	completed := e
	err = c.ask(ctx, p.Name, func(ctx context.Context) (err error) {
		completed, err = amounter.Amounts(ctx, e)
		return err
	})
	if err != nil {
		return e, err
	}
	return completed, nil
}

// ask calls the provider's API, within the time one call may take, unless
// it already failed in this batch (the context's api.Breaker): then the
// event fails at once, for redrive, rather than wait out its own retries
// and hold back the rest of the stream. A failure other than the
// provider's refusal (ErrNotConfirmed, an answer) opens the breaker.
func (c *Confirmation) ask(ctx context.Context, name string, call func(context.Context) error) error {
	breaker := api.BreakerOf(ctx)
	if err := breaker.Check(name); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.budget(ctx))
	defer cancel()
	err := call(ctx)
	if err != nil && !errors.Is(err, provider.ErrNotConfirmed) {
		breaker.Trip(name, err)
	}
	return err
}

// budget is how long one call may take, retries included: Timeout (20 s
// by default), and never more than half the time the caller has left (a
// Lambda's remaining time), so that the event can still be failed for
// redrive and the records behind it processed.
func (c *Confirmation) budget(ctx context.Context) time.Duration {
	budget := cmp.Or(c.Timeout, 20*time.Second)
	if deadline, ok := ctx.Deadline(); ok {
		budget = min(budget, time.Until(deadline)/2)
	}
	return budget
}

func (c *Confirmation) source(p provider.Provider, keys provider.Keys) provider.EventSource {
	var id strings.Builder
	id.WriteString(p.Name)
	for _, name := range p.APISettings() {
		fmt.Fprintf(&id, "\x00%s", strings.Join(keys[name], ","))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sources == nil {
		c.sources = map[string]provider.EventSource{}
	}
	if s, ok := c.sources[id.String()]; ok {
		return s
	}
	for old := range c.sources {
		if strings.HasPrefix(old, p.Name+"\x00") {
			delete(c.sources, old)
		}
	}
	s := p.Events.New(keys, c.API)
	c.sources[id.String()] = s
	return s
}
