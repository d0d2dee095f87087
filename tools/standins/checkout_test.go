package main

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"

	"github.com/matryer/is"
)

// checkoutAccessToken asks /checkout/connect/token for a token with
// scope, the access key as HTTP Basic authentication.
func checkoutAccessToken(t *testing.T, base, scope string) (int, string) {
	t.Helper()
	cfg := DefaultConfig()
	basic := base64.StdEncoding.EncodeToString([]byte(cfg.CheckoutClientID + ":" + cfg.CheckoutClientSecret))
	status, _, body := call(t, http.MethodPost, base+"/checkout/connect/token",
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Authorization": {"Basic " + basic}},
		url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}.Encode())
	token, _ := body["access_token"].(string)
	return status, token
}

// Checkout.com: an access token for the flow:events scope, then the event
// by id; an event it does not hold is a 404 without a body, as the spec
// documents.
func TestCheckoutServesAnEventByIDToATokenThatMayReadEvents(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	events := seed(t, base, "checkout", map[string]any{"generate": 2})
	id := events[1]["id"].(string)

	status, token := checkoutAccessToken(t, base, "flow:events")
	is.Equal(status, http.StatusOK)
	status, header, body := call(t, http.MethodGet, base+"/checkout/workflows/events/"+id, bearer(token), "")
	is.Equal(status, http.StatusOK)
	is.Equal(body["id"], id)
	is.Equal(body["type"], "payment_captured")
	is.True(header.Get("Cko-Request-Id") != "")

	status, _, body = call(t, http.MethodGet, base+"/checkout/workflows/events/evt_aaaaaaaaaaaaaaaaaaaaaaaaaa", bearer(token), "")
	is.Equal(status, http.StatusNotFound)
	is.Equal(body, nil)
	status, _, _ = call(t, http.MethodGet, base+"/checkout/workflows/events/"+id, bearer("not-a-token"), "")
	is.Equal(status, http.StatusUnauthorized)
}

// A key asked for a scope beyond reading events, or a wrong secret, gets
// OAuth's 400; a token is never issued for them.
func TestCheckoutIssuesTokensForTheEventScopesOnly(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	status, token := checkoutAccessToken(t, base, "gateway")
	is.Equal(status, http.StatusBadRequest)
	is.Equal(token, "")
	status, _, body := call(t, http.MethodPost, base+"/checkout/connect/token", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultConfig().CheckoutClientID}, "client_secret": {"wrong"}}.Encode())
	is.Equal(status, http.StatusBadRequest)
	is.Equal(body["error"], "invalid_client")
	// The SDKs' way: the key in the form.
	status, _, body = call(t, http.MethodPost, base+"/checkout/connect/token", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultConfig().CheckoutClientID}, "client_secret": {DefaultConfig().CheckoutClientSecret}, "scope": {"flow:events"}}.Encode())
	is.Equal(status, http.StatusOK)
	is.Equal(body["token_type"], "Bearer")
}

// An injected outage answers in Checkout.com's error shape, and a
// seeded event that is not Checkout.com's is refused.
func TestCheckoutFaultsAndSeedsFollowTheSpec(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	id := seed(t, base, "checkout", map[string]any{"generate": 1})[0]["id"].(string)
	_, token := checkoutAccessToken(t, base, "flow:events")
	fault(t, base, Fault{PathPrefix: "/checkout/workflows/", Status: http.StatusServiceUnavailable, RetryAfter: "1", Times: 1})
	status, header, body := call(t, http.MethodGet, base+"/checkout/workflows/events/"+id, bearer(token), "")
	is.Equal(status, http.StatusServiceUnavailable)
	is.Equal(header.Get("Retry-After"), "1")
	is.Equal(body["error_type"], "service_unavailable")

	status, _, _ = call(t, http.MethodPost, base+"/_standin/checkout/events", http.Header{"Content-Type": {"application/json"}},
		`[{"id":"evt_x","type":"payment_captured","timestamp":"2026-11-27T10:00:00Z","_links":{}}]`)
	is.Equal(status, http.StatusBadRequest) // _links without self
}
