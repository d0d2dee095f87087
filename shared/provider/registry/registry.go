// Package registry lists every provider payhook serves. Adding a provider
// is its package under shared/provider/ and one line in All
// (docs/adding-a-provider.md); everything that names providers (routes,
// settings, the secret's fields, send, samples, the demo, the
// deployment's outputs) reads them from here.
package registry

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/adyen"
	"github.com/payhook/payhook/shared/provider/checkout"
	"github.com/payhook/payhook/shared/provider/gocardless"
	"github.com/payhook/payhook/shared/provider/paddle"
	"github.com/payhook/payhook/shared/provider/paypal"
	"github.com/payhook/payhook/shared/provider/square"
	"github.com/payhook/payhook/shared/provider/standard"
	"github.com/payhook/payhook/shared/provider/stripe"
)

// All is every provider, in the order help and documentation list them.
var All = []provider.Provider{
	stripe.Provider,
	paypal.Provider,
	square.Provider,
	adyen.Provider,
	paddle.Provider,
	checkout.Provider,
	gocardless.Provider,
	standard.Provider,
}

// Lookup returns the provider named name.
func Lookup(name string) (provider.Provider, bool) {
	for _, p := range All {
		if p.Name == name {
			return p, true
		}
	}
	return provider.Provider{}, false
}

// Names lists every provider's name.
func Names() []string {
	names := make([]string, len(All))
	for i, p := range All {
		names[i] = p.Name
	}
	return names
}

// Normalize turns a stored webhook into a valid canonical event with its
// provider's mapping. Types a mapping does not know become Other and are
// still recorded. An error wraps payment.ErrUnprocessable: the payload
// itself is wrong, and retrying cannot help.
func Normalize(d payment.Delivery) (payment.Event, error) {
	p, ok := Lookup(payment.Family(d.Provider))
	if !ok {
		return payment.Event{}, fmt.Errorf("%w: unknown provider", payment.ErrUnprocessable)
	}
	e, err := p.Normalize(d)
	if err != nil {
		return payment.Event{}, err
	}
	return payment.Complete(e, d)
}

// Settings lists every provider's settings, development ones included.
func Settings() []provider.Setting {
	var all []provider.Setting
	for _, p := range All {
		all = append(all, p.Settings...)
	}
	return all
}

// IsAPISetting reports whether name is a setting of a provider's event
// API: credentials reconciliation reads with, not keys deliveries are
// verified with.
func IsAPISetting(name string) bool {
	for _, p := range All {
		if slices.Contains(p.APISettings(), name) {
			return true
		}
	}
	return false
}

// ParseAPIKeys reads only the event API settings from lookup, each checked,
// and each provider's credentials whole: what reconciling from a machine
// that holds no webhook keys needs.
func ParseAPIKeys(lookup func(string) (string, bool)) (provider.Keys, error) {
	keys := provider.Keys{}
	for _, s := range Settings() {
		if !IsAPISetting(s.Name) {
			continue
		}
		raw, ok := lookup(s.Name)
		if !ok {
			continue
		}
		values := s.Values(raw)
		for _, v := range values {
			if s.Check == nil {
				continue
			}
			if err := s.Check(v); err != nil {
				return nil, fmt.Errorf("%s: %w", s.Name, err)
			}
		}
		if len(values) > 0 {
			keys[s.Name] = values
		}
	}
	for _, p := range All {
		if err := p.CheckCredentials(keys); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// ParseKeys reads every provider's settings from lookup (os.LookupEnv, or
// a field of the Secrets Manager secret) and checks them: each value's
// form, each provider set up whole, and at least one provider set up.
// Development settings are never read from a deployment's configuration.
// Errors name settings, never values.
func ParseKeys(lookup func(string) (string, bool)) (provider.Keys, error) {
	return parseKeys(lookup, false)
}

// ParseDevelopmentKeys reads what payhook serve generated for itself:
// every setting, development ones included.
func ParseDevelopmentKeys(lookup func(string) (string, bool)) (provider.Keys, error) {
	return parseKeys(lookup, true)
}

func parseKeys(lookup func(string) (string, bool), development bool) (provider.Keys, error) {
	keys := provider.Keys{}
	for _, s := range Settings() {
		if s.Development && !development {
			continue
		}
		if raw, ok := lookup(s.Name); ok {
			if values := s.Values(raw); len(values) > 0 {
				keys[s.Name] = values
			}
		}
	}
	return keys, CheckKeys(keys)
}

// CheckKeys checks keys as ParseKeys does.
func CheckKeys(keys provider.Keys) error {
	configured := false
	for _, p := range All {
		if err := p.CheckKeys(keys); err != nil {
			return err
		}
		configured = configured || p.Configured(keys)
	}
	if !configured {
		var names []string
		for _, s := range Settings() {
			if !s.Optional && !s.Development {
				names = append(names, s.Name)
			}
		}
		return fmt.Errorf("no provider configured: set at least one of %s", strings.Join(names, ", "))
	}
	return nil
}

// Retention is how long a provider's webhooks are kept: the configured
// retention, or longer when the provider retries longer than that, so that
// every retry is still recognised as a duplicate. A day on top allows for
// clocks and the TTL's own delay.
func Retention(configured time.Duration, providerName string) time.Duration {
	p, ok := Lookup(payment.Family(providerName))
	if !ok {
		return configured
	}
	return max(configured, p.Redelivery+24*time.Hour)
}
