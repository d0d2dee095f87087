package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

const (
	// squareMaxLimit is SearchEventsRequest.limit's maximum and default.
	squareMaxLimit = 100
)

// squareVersionFormat is the form of a Square-Version header: a release
// date.
var squareVersionFormat = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// squareSearch is SearchEventsRequest, as far as the stand-in reads it.
type squareSearch struct {
	Cursor string          `json:"cursor"`
	Limit  *int            `json:"limit"`
	Query  json.RawMessage `json:"query"`
}

type squareQuery struct {
	Filter *struct {
		EventTypes  []string `json:"event_types"`
		MerchantIDs []string `json:"merchant_ids"`
		LocationIDs []string `json:"location_ids"`
		CreatedAt   *struct {
			StartAt *string `json:"start_at"`
			EndAt   *string `json:"end_at"`
		} `json:"created_at"`
	} `json:"filter"`
	Sort *struct {
		Order *string `json:"order"`
	} `json:"sort"`
}

// squareCursor is what the stand-in's opaque cursor carries: the last
// event returned and a digest of the query it belongs to.
type squareCursor struct {
	Created time.Time `json:"t"`
	ID      string    `json:"i"`
	Query   string    `json:"q"`
}

func (s *Standins) serveSquare(r *http.Request, input *openapi3filter.RequestValidationInput, body []byte) response {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	want := s.cfg.SquareToken
	retention := s.cfg.SquareRetention
	s.mu.Unlock()
	if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(want)) != 1 {
		return s.squareError(http.StatusUnauthorized, "UNAUTHORIZED", "This request could not be authorized.", "")
	}
	// Square-Version is optional (the account's default applies), but a
	// malformed one is refused.
	if v := r.Header.Get("Square-Version"); v != "" && !squareVersionFormat.MatchString(v) {
		return s.squareError(http.StatusBadRequest, "INVALID_SQUARE_VERSION_FORMAT", fmt.Sprintf("Invalid Square-Version format: %q.", v), "")
	}
	if err := validateRequest(input); err != nil {
		return s.squareInvalidRequest(err)
	}

	var req squareSearch
	if err := json.Unmarshal(body, &req); err != nil {
		return s.squareError(http.StatusBadRequest, "EXPECTED_JSON_BODY", err.Error(), "")
	}
	var query squareQuery
	if len(req.Query) > 0 && !bytes.Equal(req.Query, []byte("null")) {
		if err := json.Unmarshal(req.Query, &query); err != nil {
			return s.squareError(http.StatusBadRequest, "INVALID_VALUE", err.Error(), "query")
		}
	}
	limit := squareMaxLimit
	if req.Limit != nil {
		limit = *req.Limit // the spec bounds it to 1..100; validated above
	}
	// The default order is not documented; newest first, like Square's
	// other searches.
	descending := query.Sort == nil || query.Sort.Order == nil || *query.Sort.Order != "ASC"

	// created_at: start_at inclusive, end_at exclusive.
	var start, end time.Time
	if f := query.Filter; f != nil && f.CreatedAt != nil {
		for _, p := range []struct {
			field string
			value *string
			t     *time.Time
		}{{"query.filter.created_at.start_at", f.CreatedAt.StartAt, &start}, {"query.filter.created_at.end_at", f.CreatedAt.EndAt, &end}} {
			if p.value == nil || *p.value == "" {
				continue
			}
			t, err := time.Parse(time.RFC3339Nano, *p.value)
			if err != nil {
				return s.squareError(http.StatusBadRequest, "INVALID_TIME", fmt.Sprintf("Invalid RFC 3339 time: %q.", *p.value), p.field)
			}
			*p.t = t
		}
		if !start.IsZero() && !end.IsZero() && !end.After(start) {
			return s.squareError(http.StatusBadRequest, "INVALID_TIME_RANGE", "The end of the time range must be after its start.", "query.filter.created_at")
		}
	}

	digest := queryDigest(req.Query)
	var cursor *squareCursor
	if req.Cursor != "" {
		c, err := decodeSquareCursor(req.Cursor)
		if err != nil || c.Query != digest {
			return s.squareError(http.StatusBadRequest, "INVALID_CURSOR", "The cursor is invalid, or was issued for a different query.", "cursor")
		}
		cursor = c
	}

	oldest := time.Time{}
	if retention > 0 {
		oldest = time.Now().Add(-retention)
	}
	s.mu.Lock()
	var matching []event
	for _, e := range s.events["square"] {
		if !oldest.IsZero() && e.created.Before(oldest) {
			continue
		}
		if !start.IsZero() && e.created.Before(start) || !end.IsZero() && !e.created.Before(end) {
			continue
		}
		if f := query.Filter; f != nil {
			if len(f.EventTypes) > 0 && !slices.Contains(f.EventTypes, e.kind) ||
				len(f.MerchantIDs) > 0 && !slices.Contains(f.MerchantIDs, e.merchantID) ||
				len(f.LocationIDs) > 0 && !slices.Contains(f.LocationIDs, e.locationID) {
				continue
			}
		}
		if cursor != nil && !e.after(cursor.Created, cursor.ID, descending) {
			continue
		}
		matching = append(matching, e)
	}
	s.mu.Unlock()
	sortEvents(matching, descending)

	page := matching
	if len(page) > limit {
		page = page[:limit]
	}
	// With nothing found Square answers an empty object: no events field.
	out := map[string]any{}
	if len(page) > 0 {
		events := make([]json.RawMessage, len(page))
		metadata := make([]map[string]string, len(page))
		for i, e := range page {
			events[i] = e.raw
			metadata[i] = map[string]string{"event_id": e.id, "api_version": s.squareAPIVersion()}
		}
		out["events"] = events
		out["metadata"] = metadata
	}
	if len(matching) > len(page) {
		last := page[len(page)-1]
		out["cursor"] = encodeSquareCursor(squareCursor{Created: last.created, ID: last.id, Query: digest})
	}
	return jsonResponse(http.StatusOK, out)
}

// queryDigest identifies a query regardless of its formatting: Square
// requires the original query with a cursor.
func queryDigest(query json.RawMessage) string {
	var v any
	if len(query) > 0 {
		_ = json.Unmarshal(query, &v) // validated already
	}
	canonical, _ := json.Marshal(v) // maps marshal with sorted keys
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:8])
}

func encodeSquareCursor(c squareCursor) string {
	raw, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(raw)
}

func decodeSquareCursor(s string) (*squareCursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	var c squareCursor
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	if c.ID == "" {
		return nil, errors.New("empty cursor")
	}
	return &c, nil
}

// squareAPIVersion is the Square-Version the spec is for, which the
// stand-in reports as each event's api_version.
func (s *Standins) squareAPIVersion() string {
	scheme := s.square.doc.Components.SecuritySchemes["oauth2"]
	if scheme != nil && scheme.Value != nil {
		if headers, ok := scheme.Value.Extensions["x-additional-headers"].([]any); ok {
			for _, h := range headers {
				m, _ := h.(map[string]any)
				schema, _ := m["schema"].(map[string]any)
				if v, ok := schema["default"].(string); ok && m["name"] == "Square-Version" {
					return v
				}
			}
		}
	}
	return "2025-08-20"
}

// squareError is Square's error shape: a response object with only
// `errors` set. The category of each code is the one the spec's ErrorCode
// documents for it.
func (s *Standins) squareError(status int, code, detail, field string) response {
	e := map[string]string{"category": s.squareCategory(code), "code": code, "detail": detail}
	if field != "" {
		e["field"] = field
	}
	return jsonResponse(status, map[string]any{"errors": []map[string]string{e}})
}

func (s *Standins) squareCategory(code string) string {
	schema := s.square.doc.Components.Schemas["ErrorCode"]
	if schema != nil && schema.Value != nil {
		if elements, ok := schema.Value.Extensions["x-enum-elements"].([]any); ok {
			for _, el := range elements {
				m, _ := el.(map[string]any)
				if m["name"] == code {
					if c, ok := m["error-category"].(string); ok {
						return c
					}
				}
			}
		}
	}
	if statusOf(code) >= 500 {
		return "API_ERROR"
	}
	return "INVALID_REQUEST_ERROR"
}

// statusOf is the HTTP status Square sends with an error code.
func statusOf(code string) int {
	switch code {
	case "UNAUTHORIZED", "ACCESS_TOKEN_EXPIRED", "ACCESS_TOKEN_REVOKED":
		return http.StatusUnauthorized
	case "FORBIDDEN", "INSUFFICIENT_SCOPES":
		return http.StatusForbidden
	case "NOT_FOUND":
		return http.StatusNotFound
	case "METHOD_NOT_ALLOWED":
		return http.StatusMethodNotAllowed
	case "RATE_LIMITED":
		return http.StatusTooManyRequests
	case "INTERNAL_SERVER_ERROR":
		return http.StatusInternalServerError
	case "BAD_GATEWAY":
		return http.StatusBadGateway
	case "SERVICE_UNAVAILABLE":
		return http.StatusServiceUnavailable
	case "GATEWAY_TIMEOUT":
		return http.StatusGatewayTimeout
	}
	return http.StatusBadRequest
}

// squareFault is the error Square sends with an injected status.
func (s *Standins) squareFault(status int) response {
	code := map[int]string{
		http.StatusUnauthorized:        "UNAUTHORIZED",
		http.StatusForbidden:           "FORBIDDEN",
		http.StatusNotFound:            "NOT_FOUND",
		http.StatusTooManyRequests:     "RATE_LIMITED",
		http.StatusInternalServerError: "INTERNAL_SERVER_ERROR",
		http.StatusBadGateway:          "BAD_GATEWAY",
		http.StatusServiceUnavailable:  "SERVICE_UNAVAILABLE",
		http.StatusGatewayTimeout:      "GATEWAY_TIMEOUT",
	}[status]
	if code == "" {
		code = "BAD_REQUEST"
		if status >= 500 {
			code = "INTERNAL_SERVER_ERROR"
		}
	}
	return s.squareError(status, code, http.StatusText(status)+" (injected by the stand-in's control API).", "")
}

// squareInvalidRequest turns a kin-openapi request error into Square's
// 400, with the code Square uses for that kind of violation and the
// field as a dotted path.
func (s *Standins) squareInvalidRequest(err error) response {
	code, field, detail := "BAD_REQUEST", "", err.Error()
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		var se *openapi3.SchemaError
		switch {
		case errors.As(re.Err, &se):
			field = strings.Join(se.JSONPointer(), ".")
			code, detail = "INVALID_VALUE", se.Reason
			switch se.SchemaField {
			case "maximum":
				code = "VALUE_TOO_HIGH"
			case "minimum":
				code = "VALUE_TOO_LOW"
			case "maxLength":
				code = "VALUE_TOO_LONG"
			case "enum":
				code = "INVALID_ENUM_VALUE"
			case "type":
				if se.Schema != nil && se.Schema.Type != nil {
					switch {
					case se.Schema.Type.Is("integer"):
						code = "EXPECTED_INTEGER"
					case se.Schema.Type.Is("number"):
						code = "EXPECTED_FLOAT"
					case se.Schema.Type.Is("string"):
						code = "EXPECTED_STRING"
					case se.Schema.Type.Is("boolean"):
						code = "EXPECTED_BOOLEAN"
					case se.Schema.Type.Is("array"):
						code = "EXPECTED_ARRAY"
					case se.Schema.Type.Is("object"):
						code = "EXPECTED_OBJECT"
					}
				}
			}
		case strings.Contains(re.Error(), "Content-Type"), strings.Contains(re.Error(), "content type"):
			code = "INVALID_CONTENT_TYPE"
		case re.RequestBody != nil:
			code = "EXPECTED_JSON_BODY"
		}
	}
	return s.squareError(http.StatusBadRequest, code, detail, field)
}

// squareEventFields reads what the stand-in filters on from a Square
// event; event_id and created_at are required here (the spec makes them
// optional) because the search sorts and pages on them.
func squareEventFields(raw json.RawMessage) (event, error) {
	var fields struct {
		EventID    string `json:"event_id"`
		CreatedAt  string `json:"created_at"`
		Type       string `json:"type"`
		MerchantID string `json:"merchant_id"`
		LocationID string `json:"location_id"`
	}
	if err := json.Unmarshal(raw, &fields); err != nil {
		return event{}, err
	}
	if fields.EventID == "" {
		return event{}, errors.New("no event_id")
	}
	created, err := parseTime(fields.CreatedAt)
	if err != nil {
		return event{}, fmt.Errorf("created_at: %w", err)
	}
	return event{raw: raw, id: fields.EventID, created: created, kind: fields.Type, merchantID: fields.MerchantID, locationID: fields.LocationID}, nil
}

// squareTemplate is the spec's own example event (SearchEventsResponse's
// example) with a fresh event_id and creation time.
func (s *Standins) squareTemplate(eventType string, created time.Time) (json.RawMessage, error) {
	schema := s.square.doc.Components.Schemas["SearchEventsResponse"]
	if schema == nil || schema.Value == nil {
		return nil, errors.New("the Square spec has no SearchEventsResponse")
	}
	example, _ := schema.Value.Example.(map[string]any)
	events, _ := example["events"].([]any)
	if len(events) == 0 {
		return nil, errors.New("the Square spec's SearchEventsResponse example has no event")
	}
	// A deep copy: the example belongs to the loaded document.
	raw, _ := json.Marshal(events[0])
	var e map[string]any
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, err
	}
	e["event_id"] = uuid4()
	e["created_at"] = created.UTC().Format(time.RFC3339Nano)
	if eventType != "" {
		e["type"] = eventType
	}
	return json.Marshal(e)
}

func uuid4() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand does not fail on Linux
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
