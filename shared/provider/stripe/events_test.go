package stripe_test

import (
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/stripe"
)

// A key that can move money has no place in a webhook gateway's secret:
// reconciliation reads events only.
func TestALiveSecretKeyIsRefused(t *testing.T) {
	is := is.New(t)
	check := func(key string) error {
		return stripe.Provider.CheckKeys(provider.Keys{stripe.SigningSecrets: {"whsec_1"}, stripe.APIKey: {key}})
	}
	is.True(check("sk_live_abc") != nil)
	is.NoErr(check("rk_live_abc"))
	is.NoErr(check("sk_test_abc"))
	is.True(check("pk_live_abc") != nil)
}
