// Package samples sends as a provider would: realistic payloads of every
// registered provider, signed with development or configured keys, for
// payhook send, payhook demo, payhook bench and smoke.
package samples

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
)

// Build returns a payload of eventType as the named provider sends it, and
// its event id. Only the types the provider's development lists are
// accepted: an error says which there are.
func Build(name, eventType string, o provider.SampleOptions) ([]byte, string, error) {
	p, err := lookup(name)
	if err != nil {
		return nil, "", err
	}
	if types := p.Development.EventTypes(); !slices.Contains(types, eventType) {
		return nil, "", fmt.Errorf("%q is not a %s event type payhook can send; these are: %s", eventType, name, strings.Join(types, ", "))
	}
	return p.Development.Sample(eventType, o)
}

// Sign returns the delivery the named provider would send with body.
func Sign(name string, body []byte, keys provider.Keys, eventID string, at time.Time) (provider.Delivery, error) {
	p, err := lookup(name)
	if err != nil {
		return provider.Delivery{}, err
	}
	d, err := p.Development.Sign(body, keys, provider.Message{EventID: eventID, At: at})
	if err != nil {
		return provider.Delivery{}, fmt.Errorf("sign as %s: %w", p.Title, err)
	}
	return d, nil
}

func lookup(name string) (provider.Provider, error) {
	p, ok := registry.Lookup(name)
	if !ok {
		return provider.Provider{}, fmt.Errorf("unknown provider %q (%s)", name, strings.Join(registry.Names(), ", "))
	}
	return p, nil
}
