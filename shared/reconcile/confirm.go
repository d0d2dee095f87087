package reconcile

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/store"
)

// Confirmation fetches each delivered webhook's event from the provider
// before the processor acts on it, for providers whose event API can
// (EventAPI.Confirms: PayPal) and whose credentials are set, and hands the
// processor the provider's copy. It closes what a signature over a CRC32
// leaves open: whatever a forger puts in a delivery, only what the
// provider holds for that event id is ever processed. It also reads the
// amounts a provider's events leave out (Amounts: GoCardless).
type Confirmation struct {
	// Keys are the current provider keys (secrets.Cache's, on AWS).
	Keys func(ctx context.Context) (provider.Keys, error)
	API  provider.APIConfig
	// Timeout bounds one confirmation, retries included; 20 s when zero.
	Timeout time.Duration

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
	if w.Source == store.SourceReconcile || !ok || p.Events == nil || !p.Events.Confirms {
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
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(c.Timeout, 20*time.Second))
	defer cancel()
	confirmed, err := confirmer.Confirm(ctx, w.Body)
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
	if !e.AmountUnknown || !ok || p.Events == nil || !p.Events.Amounts {
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
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(c.Timeout, 20*time.Second))
	defer cancel()
	return amounter.Amounts(ctx, e)
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
