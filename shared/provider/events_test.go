package provider_test

import (
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/provider"
)

// An API URL is where payhook sends its credentials: https, or plain http
// to this machine only (a stand-in), and nothing that hides another host.
func TestCheckAPIURLSendsCredentialsOnlyWhereMeant(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://api.stripe.com", true},
		{"http://127.0.0.1:12111", true},
		{"http://localhost:8080", true},
		{"http://[::1]:8080", true},
		{"http://api.stripe.com", false},
		{"http://127.0.0.1.evil.example", false},
		{"https://user:pass@api.stripe.com", false},
		{"https://api.stripe.com?x=1", false},
		{"ftp://api.stripe.com", false},
		{"api.stripe.com", false},
	} {
		t.Run(tc.url, func(t *testing.T) {
			is.New(t).Equal(provider.CheckAPIURL(tc.url) == nil, tc.ok)
		})
	}
}

// TestAPIHostsChooseTheBase: the URL setting wins (without a trailing
// slash), else the sandbox's host when asked, else the live one's:
// credentials for one never go to the other by default.
func TestAPIHostsChooseTheBase(t *testing.T) {
	hosts := provider.APIHosts{Live: "https://api.example", Sandbox: "https://sandbox.example"}
	const setting = "PAYHOOK_EXAMPLE_API_URL"
	for _, tc := range []struct {
		name    string
		keys    provider.Keys
		sandbox bool
		want    string
	}{
		{"live by default", provider.Keys{}, false, "https://api.example"},
		{"the sandbox when asked", provider.Keys{}, true, "https://sandbox.example"},
		{"the setting over both", provider.Keys{setting: {"http://127.0.0.1:9/"}}, true, "http://127.0.0.1:9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is.New(t).Equal(hosts.Base(tc.keys, setting, tc.sandbox), tc.want)
		})
	}
}
