package main

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
)

const (
	stripePrefix = "/stripe"
	// stripeDefaultLimit and stripeMaxLimit are limit's default and
	// maximum, as the spec's description gives them.
	stripeDefaultLimit = 10
	stripeMaxLimit     = 100
	// stripeRetention is how far back Stripe lists events: "List
	// events, going back up to 30 days."
	stripeRetention = 30 * 24 * time.Hour
)

// stripeProvider is Stripe's GET /v1/events, served under /stripe: unlike
// stripe-mock, it filters by created, pages with starting_after and
// ending_before, and says has_more only when there is more.
func (s *Standins) stripeProvider() *provider {
	return &provider{
		name: "stripe", prefix: stripePrefix, spec: s.stripe,
		serve: func(r *http.Request, input *openapi3filter.RequestValidationInput, _ map[string]string, _ []byte) response {
			return s.serveStripe(r, input)
		},
		notFound: func(r *http.Request, _ error) response {
			return stripeError(http.StatusNotFound, "invalid_request_error", "", fmt.Sprintf("Unrecognized request URL (%s: %s).", r.Method, r.URL.Path), "")
		},
		fault:       withRetryAfter(stripeFault),
		eventSchema: "event", eventFields: stripeEventFields,
		template: func(_, eventType string, created time.Time) (json.RawMessage, error) {
			return stripeTemplate(eventType, created), nil
		},
	}
}

// stripeAuthorized accepts the key as Stripe does: a Bearer token, or the
// user name of Basic authentication.
func (s *Standins) stripeAuthorized(r *http.Request) bool {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		key, _, ok = r.BasicAuth()
	}
	s.mu.Lock()
	want := s.cfg.StripeKey
	s.mu.Unlock()
	return ok && subtle.ConstantTimeCompare([]byte(key), []byte(want)) == 1
}

func (s *Standins) serveStripe(r *http.Request, input *openapi3filter.RequestValidationInput) response {
	if !s.stripeAuthorized(r) {
		return stripeError(http.StatusUnauthorized, "invalid_request_error", "", "Invalid API Key provided.", "")
	}
	if err := validateRequest(input); err != nil {
		param := ""
		var re *openapi3filter.RequestError
		if errors.As(err, &re) && re.Parameter != nil {
			param = re.Parameter.Name
		}
		return stripeError(http.StatusBadRequest, "invalid_request_error", "parameter_invalid", "Invalid request: "+err.Error(), param)
	}
	q := r.URL.Query()
	limit := stripeDefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > stripeMaxLimit {
			return stripeError(http.StatusBadRequest, "invalid_request_error", "parameter_invalid_integer", "This value must be between 1 and 100.", "limit")
		}
		limit = n
	}
	if q.Get("starting_after") != "" && q.Get("ending_before") != "" {
		return stripeError(http.StatusBadRequest, "invalid_request_error", "", "You may only specify one of these parameters: ending_before, starting_after.", "starting_after")
	}
	inRange, err := stripeCreated(q)
	if err != nil {
		return stripeError(http.StatusBadRequest, "invalid_request_error", "parameter_invalid_integer", err.Error(), "created")
	}

	oldest := time.Now().Add(-stripeRetention)
	s.mu.Lock()
	var matching []event
	for _, e := range s.events["stripe"] {
		if e.created.Before(oldest) || !inRange(e.created) || !stripeTypeMatches(q, e.kind) {
			continue
		}
		matching = append(matching, e)
	}
	s.mu.Unlock()
	sortEvents(matching, true) // newest first

	// starting_after: the page after that event in this order;
	// ending_before: the page before it.
	from, to := 0, len(matching)
	for _, cursor := range []string{"starting_after", "ending_before"} {
		id := q.Get(cursor)
		if id == "" {
			continue
		}
		at := -1
		for i, e := range matching {
			if e.id == id {
				at = i
			}
		}
		if at < 0 {
			return stripeError(http.StatusBadRequest, "invalid_request_error", "resource_missing", fmt.Sprintf("No such event: '%s'", id), cursor)
		}
		if cursor == "starting_after" {
			from = at + 1
		} else {
			from, to = max(0, at-limit), at
		}
	}
	page := matching[from:to]
	if len(page) > limit {
		page = page[:limit]
	}
	hasMore := from+len(page) < to
	if q.Get("ending_before") != "" {
		hasMore = from > 0
	}
	data := make([]json.RawMessage, len(page))
	for i, e := range page {
		data[i] = e.raw
	}
	return jsonResponse(http.StatusOK, map[string]any{"object": "list", "url": "/v1/events", "has_more": hasMore, "data": data})
}

// stripeCreated reads created (an exact time) or created[gt|gte|lt|lte],
// Unix seconds, into a test of an event's time.
func stripeCreated(q url.Values) (func(time.Time) bool, error) {
	bounds := map[string]int64{}
	for _, k := range []string{"created", "created[gt]", "created[gte]", "created[lt]", "created[lte]"} {
		v := q.Get(k)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid integer: %s", v)
		}
		bounds[k] = n
	}
	return func(t time.Time) bool {
		u := t.Unix()
		for k, n := range bounds {
			switch k {
			case "created":
				if u != n {
					return false
				}
			case "created[gt]":
				if u <= n {
					return false
				}
			case "created[gte]":
				if u < n {
					return false
				}
			case "created[lt]":
				if u >= n {
					return false
				}
			case "created[lte]":
				if u > n {
					return false
				}
			}
		}
		return true
	}, nil
}

// stripeTypeMatches applies type (a name, * as a wildcard) and types[].
func stripeTypeMatches(q url.Values, kind string) bool {
	if pattern := q.Get("type"); pattern != "" {
		prefix, wildcard := strings.CutSuffix(pattern, "*")
		if wildcard && !strings.HasPrefix(kind, prefix) || !wildcard && kind != pattern {
			return false
		}
	}
	var types []string
	for k, v := range q {
		if strings.HasPrefix(k, "types[") {
			types = append(types, v...)
		}
	}
	if len(types) == 0 {
		return true
	}
	for _, t := range types {
		if t == kind {
			return true
		}
	}
	return false
}

// stripeError is Stripe's error shape (the spec's error schema).
func stripeError(status int, errorType, code, message, param string) response {
	e := map[string]string{"type": errorType, "message": message}
	if code != "" {
		e["code"] = code
	}
	if param != "" {
		e["param"] = param
	}
	resp := jsonResponse(status, map[string]any{"error": e})
	resp.header.Set("Request-Id", "req_"+randomID(14, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
	return resp
}

// stripeFault is the error Stripe sends with an injected status.
func stripeFault(status int) response {
	switch {
	case status == http.StatusTooManyRequests:
		return stripeError(status, "invalid_request_error", "rate_limit", "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.", "")
	case status == http.StatusUnauthorized:
		return stripeError(status, "invalid_request_error", "", "Invalid API Key provided.", "")
	case status >= 500:
		return stripeError(status, "api_error", "", "An unknown error occurred (injected by the stand-in's control API).", "")
	}
	return stripeError(status, "invalid_request_error", "", http.StatusText(status)+" (injected by the stand-in's control API).", "")
}

// stripeEventFields reads what the stand-in filters and pages on.
func stripeEventFields(raw json.RawMessage) (event, error) {
	var fields struct {
		ID      string `json:"id"`
		Created int64  `json:"created"`
		Type    string `json:"type"`
	}
	if err := json.Unmarshal(raw, &fields); err != nil {
		return event{}, err
	}
	if fields.ID == "" || fields.Created == 0 {
		return event{}, errors.New("no id or created")
	}
	return event{raw: raw, id: fields.ID, created: time.Unix(fields.Created, 0).UTC(), kind: fields.Type}, nil
}

// stripeTemplate is a payment_intent.succeeded event (or eventType) about
// a payment intent of 20.00 USD, the event's fields as the spec's event
// schema requires them.
func stripeTemplate(eventType string, created time.Time) json.RawMessage {
	if eventType == "" {
		eventType = "payment_intent.succeeded"
	}
	alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	intent := "pi_" + randomID(24, alphabet)
	raw, _ := json.Marshal(map[string]any{
		"id":               "evt_" + randomID(24, alphabet),
		"object":           "event",
		"api_version":      "2020-08-27",
		"created":          created.Unix(),
		"livemode":         false,
		"pending_webhooks": 1,
		"request":          map[string]any{"id": "req_" + randomID(14, alphabet), "idempotency_key": nil},
		"type":             eventType,
		"data": map[string]any{"object": map[string]any{
			"id": intent, "object": "payment_intent", "amount": 2000, "amount_received": 2000, "currency": "usd", "status": "succeeded", "created": created.Unix(), "livemode": false,
		}},
	})
	return raw
}
