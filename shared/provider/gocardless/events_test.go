package gocardless_test

import (
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/gocardless"
)

// A token is never sent to the other environment's API, where every
// request would fail.
func TestAccessTokensGoToTheirEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys provider.Keys
		ok   bool
	}{
		{"a live token", provider.Keys{gocardless.AccessToken: {"live_abc"}}, true},
		{"a sandbox token for the sandbox", provider.Keys{gocardless.AccessToken: {"sandbox_abc"}, gocardless.Sandbox: {"true"}}, true},
		{"a sandbox token for the live API", provider.Keys{gocardless.AccessToken: {"sandbox_abc"}}, false},
		{"a live token for the sandbox", provider.Keys{gocardless.AccessToken: {"live_abc"}, gocardless.Sandbox: {"true"}}, false},
		{"a sandbox token for a stand-in", provider.Keys{gocardless.AccessToken: {"sandbox_abc"}, gocardless.APIURL: {"http://127.0.0.1:8080/gocardless"}}, true},
		{"a token with a space", provider.Keys{gocardless.AccessToken: {"live_ abc"}}, false},
		{"the sandbox switch alone", provider.Keys{gocardless.Sandbox: {"true"}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys := provider.Keys{gocardless.WebhookSecrets: {"secret"}}
			for k, v := range tc.keys {
				keys[k] = v
			}
			is.New(t).Equal(gocardless.Provider.CheckKeys(keys) == nil, tc.ok)
		})
	}
}
