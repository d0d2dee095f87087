package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// provider is one stand-in: where it is served, its spec, and what makes
// it that provider's API rather than another's.
type provider struct {
	name string
	// prefix is the path it is served under, stripped before the spec's
	// paths are matched ("/stripe/v1/events" is Stripe's /v1/events); ""
	// for PayPal (/v1/) and Square (/v2/), served at their own paths.
	prefix string
	spec   *api
	// serve answers a request that matched one of the spec's operations.
	serve func(r *http.Request, input *openapi3filter.RequestValidationInput, pathParams map[string]string, body []byte) response
	// notFound answers a path or method the spec does not have.
	notFound func(r *http.Request, err error) response
	// fault is the provider's error for an injected status, with the
	// provider's own way of saying when to retry (retryAfter: seconds,
	// or "").
	fault func(status int, retryAfter string) response
	// eventSchema names the spec's schema every seeded event must match;
	// eventFields reads what the stand-in filters, sorts and pages on.
	eventSchema string
	eventFields func(raw json.RawMessage) (event, error)
	// template makes one event for {"generate":N}; base is the
	// provider's base URL, for links.
	template func(base, eventType string, created time.Time) (json.RawMessage, error)
	// resources are the other entities a test may seed (GoCardless's
	// payments and refunds), each checked against the named schema, by
	// the path segment that seeds them.
	resources map[string]resourceKind
}

// resourceKind is an entity the stand-in serves by id.
type resourceKind struct {
	schema string
	id     func(raw json.RawMessage) (string, error)
}

// providers builds the table; New calls it once the specs are loaded.
func (s *Standins) providers() map[string]*provider {
	ps := map[string]*provider{
		"paypal": {
			name: "paypal", spec: s.paypal,
			serve: func(r *http.Request, input *openapi3filter.RequestValidationInput, pathParams map[string]string, _ []byte) response {
				return s.servePayPal(r, input, pathParams)
			},
			notFound: func(*http.Request, error) response {
				return paypalError(http.StatusNotFound, "RESOURCE_NOT_FOUND", "The specified resource does not exist.", nil)
			},
			fault:       withRetryAfter(paypalFault),
			eventSchema: "event", eventFields: paypalEventFields,
			template: func(base, eventType string, created time.Time) (json.RawMessage, error) {
				return paypalTemplate(base, eventType, created), nil
			},
		},
		"square": {
			name: "square", spec: s.square,
			serve: func(r *http.Request, input *openapi3filter.RequestValidationInput, _ map[string]string, body []byte) response {
				return s.serveSquare(r, input, body)
			},
			notFound: func(r *http.Request, err error) response {
				code := "NOT_FOUND"
				if errors.Is(err, routers.ErrMethodNotAllowed) {
					code = "METHOD_NOT_ALLOWED"
				}
				return s.squareError(statusOf(code), code, "API endpoint for URL path `"+r.URL.Path+"` and HTTP method `"+r.Method+"` is not found.", "")
			},
			fault:       withRetryAfter(s.squareFault),
			eventSchema: "Event", eventFields: squareEventFields,
			template: func(_, eventType string, created time.Time) (json.RawMessage, error) {
				return s.squareTemplate(eventType, created)
			},
		},
		"stripe":     s.stripeProvider(),
		"paddle":     s.paddleProvider(),
		"gocardless": s.gocardlessProvider(),
	}
	return ps
}

// route finds the provider a path belongs to, and the path as its spec
// knows it.
func (s *Standins) route(path string) (*provider, string, bool) {
	for _, p := range s.byName {
		if p.prefix != "" && strings.HasPrefix(path, p.prefix+"/") {
			return p, strings.TrimPrefix(path, p.prefix), true
		}
	}
	switch {
	case strings.HasPrefix(path, "/v1/"):
		return s.byName["paypal"], path, true
	case strings.HasPrefix(path, "/v2/"):
		return s.byName["square"], path, true
	}
	return nil, "", false
}

// withRetryAfter is a provider's fault with Retry-After when the fault
// asks for one: PayPal, Square and Stripe send it only sometimes.
func withRetryAfter(fault func(status int) response) func(int, string) response {
	return func(status int, retryAfter string) response {
		resp := fault(status)
		if retryAfter != "" {
			resp.header.Set("Retry-After", retryAfter)
		}
		return resp
	}
}
