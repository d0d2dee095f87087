package main

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
)

const (
	paddlePrefix = "/paddle"
	// paddleDefaultPerPage is per_page's default; the spec bounds it to 200.
	paddleDefaultPerPage = 50
	// paddleRetention: "Events older than 90 days aren't retained."
	paddleRetention = 90 * 24 * time.Hour
)

// paddleProvider is Paddle's GET /events (the event stream), served under
// /paddle: ordered by event id, which Paddle's ULIDs make the order of
// time, and paged with after.
func (s *Standins) paddleProvider() *provider {
	return &provider{
		name: "paddle", prefix: paddlePrefix, spec: s.paddle,
		serve: func(r *http.Request, input *openapi3filter.RequestValidationInput, _ map[string]string, _ []byte) response {
			return s.servePaddle(r, input)
		},
		notFound: func(*http.Request, error) response {
			return paddleError(http.StatusNotFound, "request_error", "not_found", "Entity not found.", nil)
		},
		fault:       paddleFault,
		eventSchema: "event", eventFields: paddleEventFields,
		template: s.paddleTemplate,
	}
}

func (s *Standins) servePaddle(r *http.Request, input *openapi3filter.RequestValidationInput) response {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	want := s.cfg.PaddleKey
	s.mu.Unlock()
	if !ok || key == "" {
		return paddleError(http.StatusForbidden, "request_error", "authentication_missing", "Authentication header not included in request.", nil)
	}
	if subtle.ConstantTimeCompare([]byte(key), []byte(want)) != 1 {
		return paddleError(http.StatusForbidden, "request_error", "invalid_token", "Authentication token is invalid.", nil)
	}
	if v := r.Header.Get("Paddle-Version"); v != "" && v != "1" {
		return paddleError(http.StatusBadRequest, "request_error", "invalid_version", "Paddle-Version must be 1.", nil)
	}
	if err := validateRequest(input); err != nil {
		return paddleInvalidRequest(err)
	}
	q := r.URL.Query()
	perPage := paddleDefaultPerPage
	if v := q.Get("per_page"); v != "" {
		perPage, _ = strconv.Atoi(v) // an integer of at most 200: validated
		if perPage < 1 {
			return paddleError(http.StatusBadRequest, "request_error", "bad_request", "Invalid request.", []map[string]string{{"field": "per_page", "message": "must be at least 1"}})
		}
	}
	descending := true
	switch q.Get("order_by") {
	case "", "id[DESC]":
	case "id[ASC]":
		descending = false
	default:
		return paddleError(http.StatusBadRequest, "request_error", "bad_request", "Invalid request.", []map[string]string{{"field": "order_by", "message": "must be id[ASC] or id[DESC]"}})
	}
	after := q.Get("after")

	oldest := time.Now().Add(-paddleRetention)
	s.mu.Lock()
	var matching []event
	for _, e := range s.events["paddle"] {
		if e.created.Before(oldest) {
			continue
		}
		if after != "" && (descending && e.id >= after || !descending && e.id <= after) {
			continue
		}
		matching = append(matching, e)
	}
	s.mu.Unlock()
	// By id alone, as Paddle orders: its ids are ULIDs.
	sortByID(matching, descending)
	page := matching
	if len(page) > perPage {
		page = page[:perPage]
	}
	data := make([]json.RawMessage, len(page))
	for i, e := range page {
		data[i] = e.raw
	}
	// next is given even without more: the last id seen, or the one
	// asked after.
	next := url.Values{}
	next.Set("per_page", strconv.Itoa(perPage))
	if v := q.Get("order_by"); v != "" {
		next.Set("order_by", v)
	}
	if len(page) > 0 {
		next.Set("after", page[len(page)-1].id)
	} else if after != "" {
		next.Set("after", after)
	}
	return jsonResponse(http.StatusOK, map[string]any{
		"data": data,
		"meta": map[string]any{
			"request_id": uuid4(),
			"pagination": map[string]any{
				"per_page":        perPage,
				"next":            baseURL(r) + paddlePrefix + "/events?" + next.Encode(),
				"has_more":        len(matching) > len(page),
				"estimated_total": len(matching),
			},
		},
	})
}

func sortByID(events []event, descending bool) {
	sort.SliceStable(events, func(i, j int) bool {
		if descending {
			return events[i].id > events[j].id
		}
		return events[i].id < events[j].id
	})
}

// paddleError is Paddle's error shape: error and meta.request_id.
func paddleError(status int, errorType, code, detail string, fields []map[string]string) response {
	e := map[string]any{
		"type": errorType, "code": code, "detail": detail,
		"documentation_url": "https://developer.paddle.com/errors/shared/" + code,
	}
	if len(fields) > 0 {
		e["errors"] = fields
	}
	return jsonResponse(status, map[string]any{"error": e, "meta": map[string]string{"request_id": uuid4()}})
}

// paddleInvalidRequest is Paddle's 400 for a request its spec refuses.
func paddleInvalidRequest(err error) response {
	field, message := "", err.Error()
	var re *openapi3filter.RequestError
	if errors.As(err, &re) && re.Parameter != nil {
		field = re.Parameter.Name
	}
	return paddleError(http.StatusBadRequest, "request_error", "bad_request", "Invalid request.", []map[string]string{{"field": field, "message": message}})
}

// paddleFault is the error Paddle sends with an injected status. Paddle
// answers every 429 with Retry-After, in seconds: 1 unless the fault says.
func paddleFault(status int, retryAfter string) response {
	var resp response
	switch {
	case status == http.StatusTooManyRequests:
		resp = paddleError(status, "api_error", "too_many_requests", "IP address exceeded the allowed rate limit. Retry after the number of seconds in the Retry-After header.", nil)
		if retryAfter == "" {
			retryAfter = "1"
		}
	case status >= 500:
		resp = paddleError(status, "api_error", "internal_error", "An internal error occurred (injected by the stand-in's control API).", nil)
	default:
		resp = paddleError(status, "request_error", "bad_request", http.StatusText(status)+" (injected by the stand-in's control API).", nil)
	}
	if retryAfter != "" {
		resp.header.Set("Retry-After", retryAfter)
	}
	return resp
}

// paddleEventFields reads an event's id, time and type.
func paddleEventFields(raw json.RawMessage) (event, error) {
	var fields struct {
		EventID    string `json:"event_id"`
		EventType  string `json:"event_type"`
		OccurredAt string `json:"occurred_at"`
	}
	if err := json.Unmarshal(raw, &fields); err != nil {
		return event{}, err
	}
	if fields.EventID == "" {
		return event{}, errors.New("no event_id")
	}
	occurred, err := parseTime(fields.OccurredAt)
	if err != nil {
		return event{}, err
	}
	return event{raw: raw, id: fields.EventID, created: occurred, kind: fields.EventType}, nil
}

// paddleTemplate is the spec's own example event (the list's example)
// with a fresh event id for its time and that time.
func (s *Standins) paddleTemplate(_, eventType string, created time.Time) (json.RawMessage, error) {
	op := s.paddle.doc.Paths.Find("/events").Get
	media := op.Responses.Status(http.StatusOK).Value.Content.Get("application/json")
	var data []any
	for _, example := range media.Examples {
		if example.Value == nil {
			continue
		}
		value, _ := example.Value.Value.(map[string]any)
		if data, _ = value["data"].([]any); len(data) > 0 {
			break
		}
	}
	if len(data) == 0 {
		return nil, errors.New("the Paddle spec's list of events has no example event")
	}
	raw, _ := json.Marshal(data[0]) // a deep copy: the example belongs to the loaded document
	var e map[string]any
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, err
	}
	e["event_id"] = paddleEventID(created)
	e["occurred_at"] = created.UTC().Format("2006-01-02T15:04:05.000000Z07:00")
	if eventType != "" {
		e["event_type"] = eventType
	}
	return json.Marshal(e)
}

// paddleEventID is an id of Paddle's shape, a lower-case ULID: 48 bits of
// milliseconds, then 80 random bits, in Crockford's base 32.
func paddleEventID(at time.Time) string {
	const crockford = "0123456789abcdefghjkmnpqrstvwxyz"
	var b [16]byte
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(max(at.UnixMilli(), 0)))
	copy(b[:6], ms[2:])     // 48 bits of milliseconds
	_, _ = rand.Read(b[6:]) // crypto/rand does not fail on Linux
	var out [26]byte
	// 128 bits as 26 base-32 digits, the first holding 3 bits.
	var acc uint64
	bits, n := 0, 0
	out[n] = crockford[b[0]>>5]
	n++
	acc, bits = uint64(b[0]&0x1f), 5
	for _, c := range b[1:] {
		acc, bits = acc<<8|uint64(c), bits+8
		for bits >= 5 {
			bits -= 5
			out[n] = crockford[acc>>uint(bits)&0x1f]
			n++
		}
	}
	return "evt_" + string(out[:n])
}
