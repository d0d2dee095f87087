package main

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
)

const (
	checkoutPrefix = "/checkout"
	// checkoutTokenPath is the token endpoint, which Checkout.com serves on
	// its access host; here it is under the same prefix as the API.
	checkoutTokenPath = "/connect/token"
	// checkoutTokenTTL is the expires_in of an issued token: the spec's
	// example says 3600.
	checkoutTokenTTL = time.Hour
)

// checkoutReadScopes are the scopes that may read an event: the
// operation's security requirement is OAuth with flow or flow:events.
var checkoutReadScopes = []string{"flow", "flow:events"}

// checkoutProvider is Checkout.com's POST /connect/token and GET
// /workflows/events/{eventId}, served under /checkout, from the published
// spec (specs/ORIGIN.md). Checkout.com keeps no list of events by time:
// only the event by id.
func (s *Standins) checkoutProvider() *provider {
	return &provider{
		name: "checkout", prefix: checkoutPrefix, spec: s.checkout,
		serve: func(r *http.Request, input *openapi3filter.RequestValidationInput, pathParams map[string]string, body []byte) response {
			return s.serveCheckout(r, input, pathParams, body)
		},
		notFound: func(*http.Request, error) response {
			return checkoutEmpty(http.StatusNotFound)
		},
		fault:       checkoutFault,
		eventSchema: "get-event-response", eventFields: checkoutEventFields,
		template: checkoutTemplate,
	}
}

// checkoutToken is an issued access token: when it expires and what it
// may do.
type checkoutToken struct {
	expires time.Time
	scopes  []string
}

func (s *Standins) serveCheckout(r *http.Request, input *openapi3filter.RequestValidationInput, pathParams map[string]string, body []byte) response {
	if r.URL.Path == checkoutTokenPath {
		return s.checkoutIssueToken(r, body)
	}
	if !s.checkoutMayRead(r) {
		return checkoutEmpty(http.StatusUnauthorized)
	}
	if err := validateRequest(input); err != nil {
		return checkoutEmpty(http.StatusNotFound) // an id that is no event id names no event
	}
	id := pathParams["eventId"]
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.events["checkout"] {
		if e.id == id {
			resp := jsonResponse(http.StatusOK, e.raw)
			resp.header.Set("Cko-Request-Id", debugID())
			resp.header.Set("Cko-Version", "1.0.0")
			return resp
		}
	}
	return checkoutEmpty(http.StatusNotFound)
}

// checkoutIssueToken is the client credentials grant. The access key id
// and secret come as HTTP Basic authentication, as the spec's OAuth
// scheme describes, or in the form, as Checkout.com's SDKs send them; the
// scope asked for must be one the key has (here: flow:events and flow).
func (s *Standins) checkoutIssueToken(r *http.Request, body []byte) response {
	form, err := url.ParseQuery(string(body))
	if err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return jsonResponse(http.StatusBadRequest, map[string]string{"error": "invalid_request"})
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	s.mu.Lock()
	want := s.cfg
	s.mu.Unlock()
	if subtle.ConstantTimeCompare([]byte(id), []byte(want.CheckoutClientID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(want.CheckoutClientSecret)) != 1 {
		return jsonResponse(http.StatusBadRequest, map[string]string{"error": "invalid_client"})
	}
	if form.Get("grant_type") != "client_credentials" {
		return jsonResponse(http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
	}
	scopes := strings.Fields(form.Get("scope"))
	for _, scope := range scopes {
		if !slices.Contains(checkoutReadScopes, scope) {
			return jsonResponse(http.StatusBadRequest, map[string]string{"error": "invalid_scope"})
		}
	}
	if len(scopes) == 0 {
		scopes = checkoutReadScopes // the key's own
	}
	token := "eyJ" + randomID(120, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
	s.mu.Lock()
	s.checkoutTokens[token] = checkoutToken{expires: time.Now().Add(checkoutTokenTTL), scopes: scopes}
	s.mu.Unlock()
	return jsonResponse(http.StatusOK, map[string]any{
		"access_token": token, "token_type": "Bearer", "expires_in": int(checkoutTokenTTL / time.Second), "scope": strings.Join(scopes, " "),
	})
}

// checkoutMayRead reports whether the request carries an unexpired token
// this stand-in issued with a scope that reads events.
func (s *Standins) checkoutMayRead(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	issued, ok := s.checkoutTokens[token]
	return ok && time.Now().Before(issued.expires) && slices.ContainsFunc(issued.scopes, func(scope string) bool {
		return slices.Contains(checkoutReadScopes, scope)
	})
}

// checkoutEmpty is an answer without a body, as the spec documents 401
// and 404, with the request id Checkout.com sends on every answer.
func checkoutEmpty(status int) response {
	return response{status: status, header: http.Header{"Cko-Request-Id": {debugID()}}}
}

// checkoutFault is the answer to an injected status. The spec documents
// no 429 or 503 for these operations, nor a body for 500: the stand-in
// assumes Checkout.com's error object ({request_id, error_type}) for
// them, with Retry-After when the fault asks for one.
func checkoutFault(status int, retryAfter string) response {
	if status == http.StatusUnauthorized || status == http.StatusNotFound {
		return checkoutEmpty(status)
	}
	resp := jsonResponse(status, map[string]string{"request_id": debugID(), "error_type": strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")})
	resp.header.Set("Cko-Request-Id", debugID())
	if retryAfter != "" {
		resp.header.Set("Retry-After", retryAfter)
	}
	return resp
}

// checkoutEventFields reads what the stand-in finds an event by.
func checkoutEventFields(raw json.RawMessage) (event, error) {
	var fields struct {
		ID        string `json:"id"`
		Type      string `json:"type"`
		Timestamp string `json:"timestamp"`
	}
	if err := json.Unmarshal(raw, &fields); err != nil {
		return event{}, err
	}
	if fields.ID == "" {
		return event{}, fmt.Errorf("an event without an id")
	}
	created, err := parseTime(fields.Timestamp)
	if err != nil {
		return event{}, err
	}
	return event{raw: raw, id: fields.ID, created: created, kind: fields.Type}, nil
}

// checkoutTemplate is a payment_captured event (or eventType) as GET
// /workflows/events/{eventId} returns one, after the spec's examples.
func checkoutTemplate(base, eventType string, created time.Time) (json.RawMessage, error) {
	if eventType == "" {
		eventType = "payment_captured"
	}
	lower := "abcdefghijklmnopqrstuvwxyz234567"
	id, payment := "evt_"+randomID(26, lower), "pay_"+randomID(26, lower)
	return json.Marshal(map[string]any{
		"id": id, "source": "gateway", "type": eventType, "timestamp": created.UTC().Format(time.RFC3339Nano), "version": "1.0.0",
		"data": map[string]any{
			"id": payment, "action_id": "act_" + randomID(26, lower), "amount": 6540, "currency": "USD",
			"response_code": "10000", "response_summary": "Approved", "processed_on": created.UTC().Format(time.RFC3339), "reference": "ORD-5023-4E89",
		},
		"_links": map[string]any{
			"self":    map[string]string{"href": base + "/workflows/events/" + id},
			"payment": map[string]string{"href": base + "/payments/" + payment},
		},
	})
}
