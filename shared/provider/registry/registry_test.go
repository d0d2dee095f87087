package registry_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/providertest"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/paypal"
	"github.com/payhook/payhook/shared/provider/registry"
)

func TestNamesAndSettingsAreUnique(t *testing.T) {
	is := is.New(t)
	names, settings := map[string]bool{}, map[string]bool{}
	for _, p := range registry.All {
		is.True(!names[p.Name]) // one route per provider
		names[p.Name] = true
		for _, s := range p.Settings {
			is.True(!settings[s.Name]) // one owner per setting
			settings[s.Name] = true
		}
	}
}

// Every registered provider's development delivery goes through what the
// receiver and the processor do with it, by the registry's lookups.
func TestEveryProviderRoundTrips(t *testing.T) {
	for _, p := range registry.All {
		t.Run(p.Name, func(t *testing.T) {
			is := is.New(t)
			keys := providertest.DevelopmentKeys(t, p)
			certs, _, err := paypal.DevCerts(keys)
			is.NoErr(err)
			c := provider.Config{}
			if certs != nil {
				c.Certificates = certs
			}
			d, id := providertest.Signed(t, p, p.Development.EventTypes()[0], keys)
			e := providertest.Process(t, p, c, d, keys, id)
			is.Equal(e.Type, payment.Succeeded) // bench sends the first type: a payment that succeeded
		})
	}
}

func TestParseKeysNeedsOneProviderWhole(t *testing.T) {
	is := is.New(t)
	_, err := registry.ParseKeys(func(string) (string, bool) { return "", false })
	is.True(err != nil && strings.HasPrefix(err.Error(), "no provider configured: set at least one of PAYHOOK_STRIPE_SIGNING_SECRETS"))
}

func TestNormalizeRefusesAnUnknownProvider(t *testing.T) {
	_, err := registry.Normalize(payment.Delivery{Provider: "nosuchprovider", EventID: "e", EventType: "t", Body: []byte(`{}`), OccurredAt: time.Now()})
	is.New(t).True(errors.Is(err, payment.ErrUnprocessable))
}

// Webhooks are kept as long as their provider retries, and a day more,
// whatever shorter retention is configured.
func TestRetentionCoversTheProvidersRetries(t *testing.T) {
	is := is.New(t)
	for _, p := range registry.All {
		is.True(registry.Retention(time.Hour, p.Name) >= p.Redelivery+24*time.Hour)
		is.Equal(registry.Retention(10000*time.Hour, p.Name), 10000*time.Hour)
	}
	is.Equal(registry.Retention(72*time.Hour, "standard:acme"), 96*time.Hour) // a named sender is Standard Webhooks
}
