package main

import (
	"cmp"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
)

const (
	gocardlessPrefix = "/gocardless"
	// gocardlessDefaultLimit is limit's default; the spec bounds it to 500.
	gocardlessDefaultLimit = 50
	// gocardlessRetention: the events list "will no longer return events
	// older than 18 months".
	gocardlessRetention = 548 * 24 * time.Hour
	// gocardlessRateLimit is what RateLimit-Limit says: requests a minute.
	gocardlessRateLimit = 1000
)

// gocardlessProvider is GoCardless's GET /events, /payments/{id} and
// /refunds/{id}, served under /gocardless. Its spec is written by payhook
// from GoCardless's SDKs (specs/ORIGIN.md).
func (s *Standins) gocardlessProvider() *provider {
	return &provider{
		name: "gocardless", prefix: gocardlessPrefix, spec: s.gocardless,
		serve: func(r *http.Request, input *openapi3filter.RequestValidationInput, pathParams map[string]string, _ []byte) response {
			return s.serveGoCardless(r, input, pathParams)
		},
		notFound: func(*http.Request, error) response {
			return gocardlessError(http.StatusNotFound, "invalid_api_usage", "resource_not_found", "Resource not found")
		},
		fault:       gocardlessFault,
		eventSchema: "event", eventFields: gocardlessEventFields,
		template: gocardlessTemplate,
		resources: map[string]resourceKind{
			"payments": {schema: "payment", id: resourceID},
			"refunds":  {schema: "refund", id: resourceID},
		},
	}
}

func resourceID(raw json.RawMessage) (string, error) {
	var r struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &r); err != nil || r.ID == "" {
		return "", errors.New("no id")
	}
	return r.ID, nil
}

func (s *Standins) serveGoCardless(r *http.Request, input *openapi3filter.RequestValidationInput, pathParams map[string]string) response {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	want := s.cfg.GoCardlessToken
	s.mu.Unlock()
	if !ok || token == "" {
		return gocardlessError(http.StatusUnauthorized, "invalid_api_usage", "missing_authorization_header", "Authorization header required")
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(want)) != 1 {
		return gocardlessError(http.StatusUnauthorized, "invalid_api_usage", "access_token_not_found", "Access token not found")
	}
	if err := validateRequest(input); err != nil {
		return gocardlessInvalidRequest(err)
	}
	if id, ok := pathParams["identity"]; ok {
		kind := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")[0] // payments or refunds
		raw, found := s.resource("gocardless", kind, id)
		if !found {
			return gocardlessError(http.StatusNotFound, "invalid_api_usage", "resource_not_found", "Resource not found")
		}
		return gocardlessOK(map[string]json.RawMessage{kind: raw})
	}
	return s.gocardlessEvents(r)
}

// gocardlessEvents lists events newest first, created_at filtered,
// paged with after and before cursors (event ids), and, with include,
// the linked resources.
func (s *Standins) gocardlessEvents(r *http.Request) response {
	q := r.URL.Query()
	limit := gocardlessDefaultLimit
	if v := q.Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v) // 1 to 500: validated
	}
	if q.Get("include") != "" && q.Get("resource_type") == "" {
		return gocardlessValidation("include", "must be used with resource_type")
	}
	if q.Get("after") != "" && q.Get("before") != "" {
		return gocardlessValidation("after", "cannot be used with before")
	}
	bounds := map[string]time.Time{}
	for _, k := range []string{"gt", "gte", "lt", "lte"} {
		if v := q.Get("created_at[" + k + "]"); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return gocardlessValidation("created_at["+k+"]", "is not a valid date-time")
			}
			bounds[k] = t
		}
	}

	oldest := time.Now().Add(-gocardlessRetention)
	s.mu.Lock()
	var matching []event
	for _, e := range s.events["gocardless"] {
		if e.created.Before(oldest) || !inBounds(e.created, bounds) {
			continue
		}
		if v := q.Get("resource_type"); v != "" && e.resourceType != v {
			continue
		}
		if v := q.Get("action"); v != "" && e.action != v {
			continue
		}
		if v := q.Get("payment"); v != "" && e.resourceID != v {
			continue
		}
		matching = append(matching, e)
	}
	s.mu.Unlock()
	sortEvents(matching, true)

	from, to := 0, len(matching)
	for _, cursor := range []string{"after", "before"} {
		id := q.Get(cursor)
		if id == "" {
			continue
		}
		at := slices.IndexFunc(matching, func(e event) bool { return e.id == id })
		if at < 0 {
			return gocardlessValidation(cursor, "is not a cursor this list gave")
		}
		if cursor == "after" {
			from = at + 1
		} else {
			from, to = max(0, at-limit), at
		}
	}
	page := matching[from:to]
	if len(page) > limit {
		page = page[:limit]
	}
	events := make([]json.RawMessage, len(page))
	for i, e := range page {
		events[i] = e.raw
	}
	var after, before any
	if len(page) > 0 && from+len(page) < len(matching) {
		after = page[len(page)-1].id
	}
	if len(page) > 0 && from > 0 {
		before = page[0].id
	}
	body := map[string]any{
		"events": events,
		"meta":   map[string]any{"cursors": map[string]any{"after": after, "before": before}, "limit": limit},
	}
	if include := q.Get("include"); include == "payment" || include == "refund" {
		body["linked"] = map[string]any{include + "s": s.linked(page, include+"s")}
	}
	return gocardlessOK(body)
}

// linked is the seeded resources of kind the events link to, once each.
func (s *Standins) linked(page []event, kind string) []json.RawMessage {
	seen := map[string]bool{}
	out := []json.RawMessage{}
	for _, e := range page {
		id := e.resourceID
		if kind == "refunds" {
			id = e.refundID
		}
		if raw, ok := s.resource("gocardless", kind, id); ok && !seen[id] {
			seen[id] = true
			out = append(out, raw)
		}
	}
	return out
}

func inBounds(t time.Time, bounds map[string]time.Time) bool {
	for k, b := range bounds {
		switch {
		case k == "gt" && !t.After(b), k == "gte" && t.Before(b), k == "lt" && !t.Before(b), k == "lte" && t.After(b):
			return false
		}
	}
	return true
}

// gocardlessOK is a 200 with the rate-limit headers GoCardless sends on
// every answer.
func gocardlessOK(body any) response {
	resp := jsonResponse(http.StatusOK, body)
	resp.header.Set("RateLimit-Limit", strconv.Itoa(gocardlessRateLimit))
	resp.header.Set("RateLimit-Remaining", strconv.Itoa(gocardlessRateLimit-1))
	resp.header.Set("RateLimit-Reset", time.Now().Add(time.Minute).UTC().Format(http.TimeFormat))
	return resp
}

// gocardlessError is GoCardless's error shape.
func gocardlessError(status int, errorType, reason, message string) response {
	return gocardlessErrorWith(status, errorType, message, map[string]string{"reason": reason, "message": message})
}

func gocardlessValidation(field, message string) response {
	return gocardlessErrorWith(http.StatusUnprocessableEntity, "validation_failed", "Validation failed", map[string]string{"field": field, "message": message, "request_pointer": "/" + field})
}

func gocardlessErrorWith(status int, errorType, message string, detail map[string]string) response {
	id := randomID(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
	body := map[string]any{"error": map[string]any{
		"message":           message,
		"documentation_url": "https://developer.gocardless.com/api-reference#" + cmp.Or(detail["reason"], "validation_failed"),
		"type":              errorType,
		"request_id":        id,
		"code":              status,
		"errors":            []map[string]string{detail},
	}}
	return jsonResponse(status, body)
}

// gocardlessInvalidRequest is GoCardless's answer to a request its spec
// refuses: a missing GoCardless-Version is its own error.
func gocardlessInvalidRequest(err error) response {
	var re *openapi3filter.RequestError
	if errors.As(err, &re) && re.Parameter != nil {
		if re.Parameter.Name == "GoCardless-Version" {
			return gocardlessError(http.StatusBadRequest, "invalid_api_usage", "missing_version_header", "GoCardless-Version header required")
		}
		return gocardlessValidation(re.Parameter.Name, err.Error())
	}
	return gocardlessError(http.StatusBadRequest, "invalid_api_usage", "invalid_request", err.Error())
}

// gocardlessFault is the error GoCardless sends with an injected status.
// A 429 says when the limit resets as GoCardless does, RateLimit-Reset (an
// HTTP date: retryAfter seconds from now, 1 by default) with
// RateLimit-Remaining 0; GoCardless sends no Retry-After.
func gocardlessFault(status int, retryAfter string) response {
	switch {
	case status == http.StatusTooManyRequests:
		resp := gocardlessError(status, "invalid_api_usage", "rate_limit_exceeded", "Rate limit exceeded")
		seconds, err := strconv.Atoi(retryAfter)
		if err != nil || seconds < 1 {
			seconds = 1
		}
		resp.header.Set("RateLimit-Limit", strconv.Itoa(gocardlessRateLimit))
		resp.header.Set("RateLimit-Remaining", "0")
		// An HTTP date has whole seconds: round up, so the reset is never
		// earlier than asked.
		reset := time.Now().Add(time.Duration(seconds) * time.Second).Truncate(time.Second).Add(time.Second)
		resp.header.Set("RateLimit-Reset", reset.UTC().Format(http.TimeFormat))
		return resp
	case status == http.StatusUnauthorized:
		return gocardlessError(status, "invalid_api_usage", "access_token_not_found", "Access token not found")
	case status >= 500:
		return gocardlessError(status, "gocardless", "internal_server_error", fmt.Sprintf("Uh-oh! (injected %d by the stand-in's control API)", status))
	}
	return gocardlessError(status, "invalid_api_usage", "invalid_request", http.StatusText(status)+" (injected by the stand-in's control API)")
}

// gocardlessEventFields reads what the list filters and pages on.
func gocardlessEventFields(raw json.RawMessage) (event, error) {
	var fields struct {
		ID           string `json:"id"`
		CreatedAt    string `json:"created_at"`
		ResourceType string `json:"resource_type"`
		Action       string `json:"action"`
		Links        struct {
			Payment string `json:"payment"`
			Refund  string `json:"refund"`
		} `json:"links"`
	}
	if err := json.Unmarshal(raw, &fields); err != nil {
		return event{}, err
	}
	created, err := parseTime(fields.CreatedAt)
	if err != nil {
		return event{}, err
	}
	return event{raw: raw, id: fields.ID, created: created, kind: fields.ResourceType + "." + fields.Action,
		resourceType: fields.ResourceType, action: fields.Action, resourceID: fields.Links.Payment, refundID: fields.Links.Refund}, nil
}

// gocardlessTemplate is a payments.confirmed event (or eventType,
// "resource.action") shaped like the events of GoCardless's SDK fixtures.
func gocardlessTemplate(_, eventType string, created time.Time) (json.RawMessage, error) {
	resource, action, ok := strings.Cut(eventType, ".")
	if eventType == "" {
		resource, action, ok = "payments", "confirmed", true
	}
	if !ok {
		return nil, fmt.Errorf("event_type %q: want resource.action", eventType)
	}
	upper := "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	return json.Marshal(map[string]any{
		"id": "EV" + randomID(12, upper), "created_at": created.UTC().Format("2006-01-02T15:04:05.000Z"),
		"resource_type": resource, "action": action,
		"links":    map[string]string{"payment": "PM" + randomID(12, upper), "mandate": "MD" + randomID(12, upper)},
		"details":  map[string]string{"origin": "gocardless", "cause": "payment_confirmed", "description": "Enough time has passed since the payment was submitted for the banks to return an error, so this payment is now confirmed."},
		"metadata": map[string]string{},
	})
}
