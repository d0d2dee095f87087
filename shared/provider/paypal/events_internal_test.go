package paypal

import (
	"testing"

	"github.com/matryer/is"
)

// The token travels with every request: a next link is followed only on
// the host payhook was configured with.
func TestNextLinksStayOnTheConfiguredHost(t *testing.T) {
	e := &events{base: "https://api-m.paypal.com"}
	for _, tc := range []struct {
		href string
		ok   bool
	}{
		{"https://api-m.paypal.com/v1/notifications/webhooks-events?page=2", true},
		{"/v1/notifications/webhooks-events?page=2", true},
		{"https://evil.example/v1/notifications/webhooks-events", false},
		{"http://api-m.paypal.com/v1/notifications/webhooks-events", false},
		{"https://api-m.paypal.com.evil.example/x", false},
		{"//evil.example/x", false},
	} {
		t.Run(tc.href, func(t *testing.T) {
			_, err := e.sameOrigin(tc.href)
			is.New(t).Equal(err == nil, tc.ok)
		})
	}
}
