package checkout

import (
	"testing"

	"github.com/matryer/is"
)

// Checkout.com issues tokens on its access host, beside each API host;
// a stand-in on this machine serves both.
func TestTokensComeFromTheAccessHostBesideTheAPI(t *testing.T) {
	for api, access := range map[string]string{
		"https://api.checkout.com":            "https://access.checkout.com",
		"https://api.sandbox.checkout.com":    "https://access.sandbox.checkout.com",
		"https://pfx123.api.checkout.com":     "https://pfx123.access.checkout.com",
		"http://127.0.0.1:8080/checkout":      "http://127.0.0.1:8080/checkout",
		"http://localhost:9000":               "http://localhost:9000",
		"https://checkout-proxy.example.com/": "https://checkout-proxy.example.com/",
	} {
		is.New(t).Equal(accessURL(api), access)
	}
}
