package reconcile

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/store"
)

// Confirmation checks delivered webhooks against the provider's own record
// before the processor acts on them, for providers whose event API can
// (provider.Confirmer: PayPal) and whose credentials are set. It closes
// what a signature over a CRC32 leaves open: a body forged to collide.
type Confirmation struct {
	// Keys are the current provider keys (secrets.Cache's, on AWS).
	Keys func(ctx context.Context) (provider.Keys, error)
	API  provider.APIConfig

	mu sync.Mutex
	// sources keeps one source per provider and credentials, so that an
	// OAuth token is reused until it expires, and a rotation starts anew.
	sources map[string]provider.EventSource
}

// Confirm returns nil when w needs no confirmation or the provider
// confirms it, an error wrapping provider.ErrNotConfirmed when the
// provider does not know the event as delivered, and any other error
// when it could not tell (to be retried).
func (c *Confirmation) Confirm(ctx context.Context, w store.Webhook) error {
	if w.Source == store.SourceReconcile {
		return nil // read from the provider's API in the first place
	}
	p, ok := registry.Lookup(w.Provider)
	if !ok || p.Events == nil {
		return nil
	}
	keys, err := c.Keys(ctx)
	if err != nil {
		return err
	}
	if !p.Reconcilable(keys) {
		return nil
	}
	confirmer, ok := c.source(p, keys).(provider.Confirmer)
	if !ok {
		return nil
	}
	return confirmer.Confirm(ctx, w.Body)
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
