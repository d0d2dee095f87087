package paddle_test

import (
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/paddle"
)

// Reconciliation reads events only: a legacy key, which has every
// permission, is refused, and a key is never sent to the other
// environment's API, where every request would fail.
func TestAPIKeysAreReadOnlyAndForTheirEnvironment(t *testing.T) {
	const (
		live    = "pdl_live_apikey_01gtgztp8f4kek3yd4g1wrksa3_q6TGTJyvoIz7LDtXT65bX7_AQO"
		sandbox = "pdl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrksa3_q6TGTJyvoIz7LDtXT65bX7_AQO"
		legacy  = "b8b1c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f607182a"
	)
	for _, tc := range []struct {
		name string
		keys provider.Keys
		ok   bool
	}{
		{"a live key", provider.Keys{paddle.APIKey: {live}}, true},
		{"a sandbox key for the sandbox", provider.Keys{paddle.APIKey: {sandbox}, paddle.Sandbox: {"true"}}, true},
		{"a legacy key", provider.Keys{paddle.APIKey: {legacy}}, false},
		{"a sandbox key for the live API", provider.Keys{paddle.APIKey: {sandbox}}, false},
		{"a live key for the sandbox", provider.Keys{paddle.APIKey: {live}, paddle.Sandbox: {"true"}}, false},
		{"a sandbox key for a stand-in", provider.Keys{paddle.APIKey: {sandbox}, paddle.APIURL: {"http://127.0.0.1:8080/paddle"}}, true},
		{"a sandbox switch that is not a boolean", provider.Keys{paddle.APIKey: {live}, paddle.Sandbox: {"yes please"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			keys := provider.Keys{paddle.SecretKeys: {"pdl_ntfset_01h_secret"}}
			for k, v := range tc.keys {
				keys[k] = v
			}
			err := paddle.Provider.CheckKeys(keys)
			is.Equal(err == nil, tc.ok)
			if err != nil {
				is.True(!strings.Contains(err.Error(), "apikey_01")) // the error never quotes the key
			}
		})
	}
}
