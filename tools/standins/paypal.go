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

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

const (
	paypalTokenPath  = "/v1/oauth2/token"
	paypalEventsPath = "/v1/notifications/webhooks-events"
	// paypalDefaultPageSize is page_size's default in the spec, which
	// gives no maximum.
	paypalDefaultPageSize = 10
	paypalScope           = "https://uri.paypal.com/services/applications/webhooks"
)

// paypalToken is POST /v1/oauth2/token: the client credentials grant,
// with the client id and secret as HTTP Basic auth and
// grant_type=client_credentials as a form. No published OpenAPI document
// describes it; the shapes here follow PayPal's authentication guide.
func (s *Standins) paypalToken(r *http.Request, body []byte) response {
	if r.Method != http.MethodPost {
		return jsonResponse(http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request", "error_description": "the token endpoint takes POST"})
	}
	id, secret, ok := r.BasicAuth()
	s.mu.Lock()
	want := s.cfg
	s.mu.Unlock()
	if !ok || subtle.ConstantTimeCompare([]byte(id), []byte(want.PayPalClientID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(want.PayPalClientSecret)) != 1 {
		return jsonResponse(http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Client Authentication failed"})
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return jsonResponse(http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "the body must be application/x-www-form-urlencoded"})
	}
	if form.Get("grant_type") != "client_credentials" {
		return jsonResponse(http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type", "error_description": "unsupported grant_type"})
	}
	token := "A21AA" + randomID(92, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
	s.mu.Lock()
	s.tokens[token] = time.Now().Add(want.PayPalTokenTTL)
	s.mu.Unlock()
	return jsonResponse(http.StatusOK, map[string]any{
		"scope":        paypalScope,
		"access_token": token,
		"token_type":   "Bearer",
		"app_id":       "APP-80W284485P519543T",
		"expires_in":   int(want.PayPalTokenTTL / time.Second),
		"nonce":        time.Now().UTC().Format("2006-01-02T15:04:05Z") + randomID(43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
	})
}

// paypalAuthorized reports whether the request carries a token this
// stand-in issued and that has not expired.
func (s *Standins) paypalAuthorized(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	expires, ok := s.tokens[token]
	return ok && time.Now().Before(expires)
}

func (s *Standins) servePayPal(r *http.Request, input *openapi3filter.RequestValidationInput, pathParams map[string]string) response {
	if !s.paypalAuthorized(r) {
		return paypalError(http.StatusUnauthorized, "AUTHENTICATION_FAILURE",
			"Authentication failed due to invalid authentication credentials or a missing Authorization header.",
			nil)
	}
	if err := validateRequest(input); err != nil {
		return paypalInvalidRequest(err)
	}
	if id, ok := pathParams["event_id"]; ok {
		return s.paypalEvent(id)
	}
	return s.paypalEvents(r)
}

func (s *Standins) paypalEvent(id string) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.events["paypal"] {
		if e.id == id {
			return jsonResponse(http.StatusOK, e.raw)
		}
	}
	return paypalError(http.StatusNotFound, "RESOURCE_NOT_FOUND", "The specified resource does not exist.",
		[]map[string]string{{"issue": "INVALID_RESOURCE_ID", "description": "Specified resource ID does not exist. Please check the resource ID and try again."}})
}

// paypalEvents is GET /v1/notifications/webhooks-events: events created
// on or after start_time and on or before end_time (both inclusive, as
// the spec says), newest first, page_size at a time. More pages are
// offered as a HATEOAS link with rel "next"; its query (move_to,
// index_time, index_id) is the stand-in's own, and a client must follow
// the href as given rather than build it.
func (s *Standins) paypalEvents(r *http.Request) response {
	q := r.URL.Query()
	pageSize := paypalDefaultPageSize
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return paypalBadParameter("page_size", v, "INVALID_PARAMETER_VALUE", "page_size must be a positive integer.")
		}
		pageSize = n
	}
	var start, end time.Time
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"start_time", &start}, {"end_time", &end}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return paypalBadParameter(p.name, v, "INVALID_PARAMETER_SYNTAX", "The value of a field does not conform to the expected format (Internet date and time format).")
			}
			*p.t = t
		}
	}
	if !start.IsZero() && !end.IsZero() && end.Before(start) {
		return paypalBadParameter("end_time", q.Get("end_time"), "INVALID_PARAMETER_VALUE", "end_time must not be before start_time.")
	}
	var afterTime time.Time
	var afterID string
	if q.Get("move_to") == "next" {
		t, err := time.Parse(time.RFC3339Nano, q.Get("index_time"))
		if err != nil || q.Get("index_id") == "" {
			return paypalBadParameter("index_time", q.Get("index_time"), "INVALID_PARAMETER_VALUE", "The pagination parameters are not ones this API returned.")
		}
		afterTime, afterID = t, q.Get("index_id")
	}

	s.mu.Lock()
	var matching []event
	for _, e := range s.events["paypal"] {
		if !start.IsZero() && e.created.Before(start) || !end.IsZero() && e.created.After(end) {
			continue
		}
		if v := q.Get("event_type"); v != "" && e.kind != v {
			continue
		}
		if v := q.Get("transaction_id"); v != "" && e.resourceID != v {
			continue
		}
		if afterID != "" && !e.after(afterTime, afterID, true) {
			continue
		}
		matching = append(matching, e)
	}
	s.mu.Unlock()
	sortEvents(matching, true)

	page := matching
	if len(page) > pageSize {
		page = page[:pageSize]
	}
	events := make([]json.RawMessage, len(page))
	for i, e := range page {
		events[i] = e.raw
	}
	body := map[string]any{"events": events, "count": len(events)}
	if len(matching) > len(page) {
		last := page[len(page)-1]
		next := url.Values{}
		for _, k := range []string{"page_size", "start_time", "end_time", "event_type", "transaction_id"} {
			if v := q.Get(k); v != "" {
				next.Set(k, v)
			}
		}
		next.Set("move_to", "next")
		next.Set("index_time", last.created.Format(time.RFC3339Nano))
		next.Set("index_id", last.id)
		body["links"] = []map[string]string{{
			"href":   baseURL(r) + paypalEventsPath + "?" + next.Encode(),
			"rel":    "next",
			"method": "GET",
		}}
	}
	return jsonResponse(http.StatusOK, body)
}

// baseURL is how the client reached the stand-in, for absolute links as
// PayPal gives them.
func baseURL(r *http.Request) string {
	return "http://" + r.Host
}

// paypalError is PayPal's error shape (the spec's `error` schema): name,
// message and debug_id always; details and an information link when there
// is something to say. PayPal also sends the debug id as a header.
func paypalError(status int, name, message string, details []map[string]string) response {
	id := debugID()
	body := map[string]any{
		"name":     name,
		"message":  message,
		"debug_id": id,
		"links": []map[string]string{{
			"href":   "https://developer.paypal.com/docs/api/webhooks/v1/#error-" + name,
			"rel":    "information_link",
			"method": "GET",
		}},
	}
	if len(details) > 0 {
		body["details"] = details
	}
	resp := jsonResponse(status, body)
	resp.header.Set("Paypal-Debug-Id", id)
	return resp
}

func paypalBadParameter(field, value, issue, description string) response {
	return paypalError(http.StatusBadRequest, "INVALID_REQUEST", "Request is not well-formed, syntactically incorrect, or violates schema.",
		[]map[string]string{{"field": field, "value": value, "location": "query", "issue": issue, "description": description}})
}

// paypalInvalidRequest turns a kin-openapi request error into PayPal's
// 400, naming the parameter.
func paypalInvalidRequest(err error) response {
	detail := map[string]string{"issue": "INVALID_PARAMETER_SYNTAX", "description": err.Error()}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) && re.Parameter != nil {
		detail["field"] = re.Parameter.Name
		detail["location"] = re.Parameter.In
		var se *openapi3.SchemaError
		if errors.As(re.Err, &se) {
			detail["issue"] = "INVALID_PARAMETER_VALUE"
			detail["description"] = se.Reason
		}
	}
	return paypalError(http.StatusBadRequest, "INVALID_REQUEST", "Request is not well-formed, syntactically incorrect, or violates schema.",
		[]map[string]string{detail})
}

// paypalFault is the error PayPal sends with an injected status.
func paypalFault(status int) response {
	switch status {
	case http.StatusTooManyRequests:
		return paypalError(status, "RATE_LIMIT_REACHED", "Too many requests. Blocked due to rate limiting.", nil)
	case http.StatusServiceUnavailable:
		return paypalError(status, "SERVICE_UNAVAILABLE", "Service Unavailable.", nil)
	case http.StatusInternalServerError:
		return paypalError(status, "INTERNAL_SERVER_ERROR", "An internal server error occurred.", nil)
	case http.StatusUnauthorized:
		return paypalError(status, "AUTHENTICATION_FAILURE", "Authentication failed due to invalid authentication credentials or a missing Authorization header.", nil)
	}
	return paypalError(status, strings.ToUpper(strings.ReplaceAll(http.StatusText(status), " ", "_")), http.StatusText(status)+".", nil)
}

// paypalEventFields reads what the stand-in filters on from a PayPal
// event; id and create_time are required here, though the spec marks
// them read-only rather than required, because the list sorts on them.
func paypalEventFields(raw json.RawMessage) (event, error) {
	var fields struct {
		ID         string `json:"id"`
		CreateTime string `json:"create_time"`
		EventType  string `json:"event_type"`
		Resource   struct {
			ID string `json:"id"`
		} `json:"resource"`
	}
	if err := json.Unmarshal(raw, &fields); err != nil {
		return event{}, err
	}
	if fields.ID == "" {
		return event{}, fmt.Errorf("no id")
	}
	created, err := parseTime(fields.CreateTime)
	if err != nil {
		return event{}, fmt.Errorf("create_time: %w", err)
	}
	return event{raw: raw, id: fields.ID, created: created, kind: fields.EventType, resourceID: fields.Resource.ID}, nil
}

// paypalTemplate is a PAYMENT.CAPTURE.COMPLETED event in the shape of
// PayPal's documented sample. The spec has no example event to use.
func paypalTemplate(base, eventType string, created time.Time) json.RawMessage {
	if eventType == "" {
		eventType = "PAYMENT.CAPTURE.COMPLETED"
	}
	upper := "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	id := "WH-" + randomID(17, upper) + "-" + randomID(17, upper)
	capture := randomID(17, upper)
	at := created.UTC().Format("2006-01-02T15:04:05.000Z")
	raw, _ := json.Marshal(map[string]any{
		"id":               id,
		"event_version":    "1.0",
		"create_time":      at,
		"resource_type":    "capture",
		"resource_version": "2.0",
		"event_type":       eventType,
		"summary":          "Payment completed for $ 10.0 USD",
		"resource": map[string]any{
			"id":            capture,
			"status":        "COMPLETED",
			"amount":        map[string]string{"currency_code": "USD", "value": "10.00"},
			"final_capture": true,
			"create_time":   at,
			"update_time":   at,
			"links": []map[string]string{
				{"href": "https://api.paypal.com/v2/payments/captures/" + capture, "rel": "self", "method": "GET"},
			},
		},
		"links": []map[string]string{
			{"href": base + paypalEventsPath + "/" + id, "rel": "self", "method": "GET"},
			{"href": base + paypalEventsPath + "/" + id + "/resend", "rel": "resend", "method": "POST"},
		},
	})
	return raw
}
