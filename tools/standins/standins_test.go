package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/tools/standins/specs"
)

// start serves fresh stand-ins until the test ends, and checks as it ends
// that every provider response the test got had passed validation
// against the provider's spec.
func start(t *testing.T) (*Standins, string) {
	t.Helper()
	standins, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(standins)
	t.Cleanup(server.Close)
	t.Cleanup(func() {
		for _, r := range requests(t, server.URL) {
			checked := r.Validation == "passed" || r.Validation == "no spec"
			if !checked && (r.Validation != "no route" || r.Status != http.StatusNotFound) {
				t.Errorf("%s %s answered %d without passing validation: %s", r.Method, r.Path, r.Status, r.Validation)
			}
		}
	})
	return standins, server.URL
}

// call sends a request and decodes a JSON answer into a generic value.
func call(t *testing.T, method, u string, header http.Header, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s %s: %v: %s", method, u, err, raw)
		}
	} else if len(raw) > 0 {
		v = map[string]any{"text": string(raw)}
	}
	return resp.StatusCode, resp.Header, v
}

func seed(t *testing.T, base, provider string, events any) []map[string]any {
	t.Helper()
	body, err := json.Marshal(events)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(base+"/_standin/"+provider+"/events", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("seed %s: %d %s", provider, resp.StatusCode, raw)
	}
	var added []map[string]any
	if err := json.Unmarshal(raw, &added); err != nil {
		t.Fatal(err)
	}
	return added
}

func requests(t *testing.T, base string) []ServedRequest {
	t.Helper()
	resp, err := http.Get(base + "/_standin/requests")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var served []ServedRequest
	if err := json.NewDecoder(resp.Body).Decode(&served); err != nil {
		t.Fatal(err)
	}
	return served
}

func fault(t *testing.T, base string, f Fault) {
	t.Helper()
	body, _ := json.Marshal(f)
	resp, err := http.Post(base+"/_standin/faults", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("fault: %d", resp.StatusCode)
	}
}

func paypalToken(t *testing.T, base string) string {
	t.Helper()
	cfg := DefaultConfig()
	status, _, body := call(t, http.MethodPost, base+"/v1/oauth2/token",
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Authorization": {basicAuth(cfg.PayPalClientID, cfg.PayPalClientSecret)}},
		"grant_type=client_credentials")
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, body)
	}
	return body["access_token"].(string)
}

func basicAuth(id, secret string) string {
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth(id, secret)
	return req.Header.Get("Authorization")
}

func bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

func squareHeader() http.Header {
	return http.Header{
		"Authorization":  {"Bearer " + DefaultConfig().SquareToken},
		"Content-Type":   {"application/json"},
		"Square-Version": {"2025-08-20"},
	}
}

func paypalEvent(id string, created time.Time, eventType, resourceID string) map[string]any {
	return map[string]any{
		"id":            id,
		"create_time":   created.UTC().Format(time.RFC3339),
		"resource_type": "capture",
		"event_type":    eventType,
		"summary":       "Payment completed",
		"resource":      map[string]any{"id": resourceID, "status": "COMPLETED"},
	}
}

func squareEvent(id string, created time.Time, eventType, location string) map[string]any {
	return map[string]any{
		"merchant_id": "MLEFBHHSJGVHD",
		"location_id": location,
		"type":        eventType,
		"event_id":    id,
		"created_at":  created.UTC().Format(time.RFC3339Nano),
		"data":        map[string]any{"type": "payment", "id": "pay-" + id, "object": map[string]any{}},
	}
}

func ids(list any, field string) []string {
	var out []string
	for _, e := range asList(list) {
		out = append(out, e.(map[string]any)[field].(string))
	}
	return out
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// nextLink is the href of a PayPal list's rel=next link, or "".
func nextLink(body map[string]any) string {
	for _, l := range asList(body["links"]) {
		if m := l.(map[string]any); m["rel"] == "next" {
			return m["href"].(string)
		}
	}
	return ""
}

func TestTheTrimmedSpecsLoadAndStaySmall(t *testing.T) {
	is := is.New(t)
	for _, name := range []string{specs.PayPal, specs.Square, specs.Stripe, specs.Paddle, specs.GoCardless} {
		doc, err := specs.Load(name)
		is.NoErr(err)
		raw, err := doc.MarshalJSON()
		is.NoErr(err)
		is.True(len(raw) < 1<<20) // the repository keeps no file over 1 MiB
	}
}

func TestPayPalListsNewestFirstAcrossPages(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var events []map[string]any
	for i := range 7 {
		events = append(events, paypalEvent(fmt.Sprintf("WH-%02d", i), t0.Add(time.Duration(i)*time.Minute), "PAYMENT.CAPTURE.COMPLETED", "CAP"))
	}
	seed(t, base, "paypal", events)
	token := paypalToken(t, base)

	var got []string
	var pageSizes []int
	next := base + "/v1/notifications/webhooks-events?page_size=3&start_time=2026-03-01T00:00:00Z&end_time=2026-03-02T00:00:00Z"
	for next != "" {
		status, _, body := call(t, http.MethodGet, next, bearer(token), "")
		is.Equal(status, http.StatusOK)
		page := ids(body["events"], "id")
		is.Equal(int(body["count"].(float64)), len(page))
		pageSizes = append(pageSizes, len(page))
		got = append(got, page...)
		next = nextLink(body)
	}
	is.Equal(pageSizes, []int{3, 3, 1})
	is.Equal(got, []string{"WH-06", "WH-05", "WH-04", "WH-03", "WH-02", "WH-01", "WH-00"})

	var lists []ServedRequest
	for _, r := range requests(t, base) {
		if r.Path == "/v1/notifications/webhooks-events" {
			lists = append(lists, r)
		}
	}
	is.Equal(len(lists), 3)
	for _, r := range lists {
		q, err := url.ParseQuery(r.Query)
		is.NoErr(err)
		is.Equal(q.Get("page_size"), "3")                     // the next link keeps the page size
		is.Equal(q.Get("start_time"), "2026-03-01T00:00:00Z") // and the window
	}
}

func TestPayPalFilters(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	seed(t, base, "paypal", []map[string]any{
		paypalEvent("WH-A", t0, "PAYMENT.CAPTURE.COMPLETED", "CAP1"),
		paypalEvent("WH-B", t0.Add(time.Hour), "PAYMENT.CAPTURE.REFUNDED", "CAP1"),
		paypalEvent("WH-C", t0.Add(2*time.Hour), "PAYMENT.CAPTURE.COMPLETED", "CAP2"),
	})
	token := paypalToken(t, base)
	list := func(query string) []string {
		status, _, body := call(t, http.MethodGet, base+"/v1/notifications/webhooks-events?"+query, bearer(token), "")
		is.Equal(status, http.StatusOK)
		return ids(body["events"], "id")
	}
	// Both ends are inclusive.
	is.Equal(list("start_time=2026-03-01T13:00:00Z&end_time=2026-03-01T14:00:00Z"), []string{"WH-C", "WH-B"})
	is.Equal(list("end_time=2026-03-01T12:00:00Z"), []string{"WH-A"})
	is.Equal(list("event_type=PAYMENT.CAPTURE.COMPLETED"), []string{"WH-C", "WH-A"})
	is.Equal(list("transaction_id=CAP1"), []string{"WH-B", "WH-A"})
	is.Equal(list("start_time=2027-01-01T00:00:00Z"), nil) // an empty page still has events: []
}

func TestPayPalShowsOneEventOr404(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	seed(t, base, "paypal", []map[string]any{paypalEvent("WH-2WR32451HC0233532-67976317FL4543714", time.Now(), "PAYMENT.CAPTURE.COMPLETED", "CAP")})
	token := paypalToken(t, base)

	status, _, body := call(t, http.MethodGet, base+"/v1/notifications/webhooks-events/WH-2WR32451HC0233532-67976317FL4543714", bearer(token), "")
	is.Equal(status, http.StatusOK)
	is.Equal(body["id"], "WH-2WR32451HC0233532-67976317FL4543714")

	status, header, body := call(t, http.MethodGet, base+"/v1/notifications/webhooks-events/WH-UNKNOWN", bearer(token), "")
	is.Equal(status, http.StatusNotFound)
	is.Equal(body["name"], "RESOURCE_NOT_FOUND")
	is.True(body["debug_id"] != "")
	is.Equal(header.Get("Paypal-Debug-Id"), body["debug_id"])
}

func TestPayPalAuth(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	list := base + "/v1/notifications/webhooks-events"

	status, _, body := call(t, http.MethodGet, list, nil, "")
	is.Equal(status, http.StatusUnauthorized)
	is.Equal(body["name"], "AUTHENTICATION_FAILURE")
	status, _, _ = call(t, http.MethodGet, list, bearer("A21AAmadeup"), "")
	is.Equal(status, http.StatusUnauthorized)

	// Wrong client secret, wrong grant type.
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	form.Set("Authorization", basicAuth(DefaultConfig().PayPalClientID, "wrong"))
	status, _, body = call(t, http.MethodPost, base+"/v1/oauth2/token", form, "grant_type=client_credentials")
	is.Equal(status, http.StatusUnauthorized)
	is.Equal(body["error"], "invalid_client")
	form.Set("Authorization", basicAuth(DefaultConfig().PayPalClientID, DefaultConfig().PayPalClientSecret))
	status, _, body = call(t, http.MethodPost, base+"/v1/oauth2/token", form, "grant_type=password")
	is.Equal(status, http.StatusBadRequest)
	is.Equal(body["error"], "unsupported_grant_type")

	status, _, body = call(t, http.MethodPost, base+"/v1/oauth2/token", form, "grant_type=client_credentials")
	is.Equal(status, http.StatusOK)
	is.Equal(body["token_type"], "Bearer")
	is.Equal(body["expires_in"], float64(32400))
	token := body["access_token"].(string)
	status, _, _ = call(t, http.MethodGet, list, bearer(token), "")
	is.Equal(status, http.StatusOK)

	// Revoked tokens stop working, as an expired one would.
	status, _, _ = call(t, http.MethodDelete, base+"/_standin/paypal/tokens", nil, "")
	is.Equal(status, http.StatusNoContent)
	status, _, _ = call(t, http.MethodGet, list, bearer(token), "")
	is.Equal(status, http.StatusUnauthorized)

	// Other credentials, set through the control API.
	status, _, _ = call(t, http.MethodPut, base+"/_standin/paypal/credentials", nil, `{"client_id":"mine","client_secret":"s3cret"}`)
	is.Equal(status, http.StatusNoContent)
	form.Set("Authorization", basicAuth("mine", "s3cret"))
	status, _, _ = call(t, http.MethodPost, base+"/v1/oauth2/token", form, "grant_type=client_credentials")
	is.Equal(status, http.StatusOK)
}

func TestPayPalRefusesWhatTheSpecRefuses(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	token := paypalToken(t, base)
	status, _, body := call(t, http.MethodGet, base+"/v1/notifications/webhooks-events?page_size=ten", bearer(token), "")
	is.Equal(status, http.StatusBadRequest)
	is.Equal(body["name"], "INVALID_REQUEST")
	detail := asList(body["details"])[0].(map[string]any)
	is.Equal(detail["field"], "page_size")
	is.Equal(detail["location"], "query")

	status, _, body = call(t, http.MethodGet, base+"/v1/notifications/webhooks-events?start_time=yesterday", bearer(token), "")
	is.Equal(status, http.StatusBadRequest)
	is.Equal(asList(body["details"])[0].(map[string]any)["field"], "start_time")
}

func TestSquareSearchPagesWithACursorInEitherOrder(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	t0 := time.Now().Add(-24 * time.Hour).Truncate(time.Second)
	var events []map[string]any
	for i := range 7 {
		events = append(events, squareEvent(fmt.Sprintf("ev-%02d", i), t0.Add(time.Duration(i)*time.Minute), "payment.updated", "L1"))
	}
	seed(t, base, "square", events)

	search := func(order string) ([]string, []int) {
		var got []string
		var pages []int
		cursor := ""
		for {
			req := map[string]any{"limit": 3, "query": map[string]any{"sort": map[string]any{"field": "DEFAULT", "order": order}}}
			if cursor != "" {
				req["cursor"] = cursor
			}
			raw, _ := json.Marshal(req)
			status, _, body := call(t, http.MethodPost, base+"/v2/events", squareHeader(), string(raw))
			is.Equal(status, http.StatusOK)
			page := ids(body["events"], "event_id")
			is.Equal(ids(body["metadata"], "event_id"), page) // metadata pairs with events
			got = append(got, page...)
			pages = append(pages, len(page))
			cursor, _ = body["cursor"].(string)
			if cursor == "" {
				return got, pages
			}
		}
	}
	got, pages := search("ASC")
	is.Equal(pages, []int{3, 3, 1})
	is.Equal(got, []string{"ev-00", "ev-01", "ev-02", "ev-03", "ev-04", "ev-05", "ev-06"})
	got, _ = search("DESC")
	is.Equal(got, []string{"ev-06", "ev-05", "ev-04", "ev-03", "ev-02", "ev-01", "ev-00"})

	// Each request after the first carried the cursor in its body.
	var cursors int
	for _, r := range requests(t, base) {
		var body map[string]any
		is.NoErr(json.Unmarshal(r.Body, &body))
		if body["cursor"] != nil {
			cursors++
		}
	}
	is.Equal(cursors, 4)
}

func TestSquareCursorBelongsToItsQuery(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	t0 := time.Now().Add(-time.Hour)
	seed(t, base, "square", []map[string]any{
		squareEvent("a", t0, "payment.updated", "L1"),
		squareEvent("b", t0.Add(time.Second), "payment.updated", "L1"),
	})
	status, _, body := call(t, http.MethodPost, base+"/v2/events", squareHeader(), `{"limit":1}`)
	is.Equal(status, http.StatusOK)
	cursor := body["cursor"].(string)
	status, _, body = call(t, http.MethodPost, base+"/v2/events", squareHeader(),
		`{"limit":1,"cursor":"`+cursor+`","query":{"filter":{"event_types":["payment.updated"]}}}`)
	is.Equal(status, http.StatusBadRequest)
	e := asList(body["errors"])[0].(map[string]any)
	is.Equal(e["code"], "INVALID_CURSOR")
	is.Equal(e["category"], "INVALID_REQUEST_ERROR")
}

func TestSquareFilters(t *testing.T) {
	is := is.New(t)
	standins, base := start(t)
	t0 := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	seed(t, base, "square", []map[string]any{
		squareEvent("old", time.Now().Add(-29*24*time.Hour), "payment.created", "L1"), // past Square's 28 days
		squareEvent("a", t0, "payment.created", "L1"),
		squareEvent("b", t0.Add(time.Hour), "refund.created", "L1"),
		squareEvent("c", t0.Add(2*time.Hour), "payment.created", "L2"),
	})
	search := func(query string) []string {
		status, _, body := call(t, http.MethodPost, base+"/v2/events", squareHeader(), `{"query":`+query+`}`)
		is.Equal(status, http.StatusOK)
		return ids(body["events"], "event_id")
	}
	at := func(d time.Duration) string { return t0.Add(d).Format(time.RFC3339) }
	is.Equal(search(`{}`), []string{"c", "b", "a"}) // newest first by default; "old" is gone
	// start_at is inclusive, end_at exclusive.
	is.Equal(search(`{"filter":{"created_at":{"start_at":"`+at(time.Hour)+`","end_at":"`+at(2*time.Hour)+`"}}}`), []string{"b"})
	is.Equal(search(`{"filter":{"event_types":["payment.created"]}}`), []string{"c", "a"})
	is.Equal(search(`{"filter":{"location_ids":["L2"]}}`), []string{"c"})

	// Nothing found: an empty object, no events field.
	status, _, body := call(t, http.MethodPost, base+"/v2/events", squareHeader(), `{"query":{"filter":{"event_types":["nothing"]}}}`)
	is.Equal(status, http.StatusOK)
	is.Equal(len(body), 0)

	// The retention is the stand-in's setting.
	standins.mu.Lock()
	standins.cfg.SquareRetention = 0
	standins.mu.Unlock()
	is.Equal(search(`{"filter":{"location_ids":["L1"]}}`), []string{"b", "a", "old"})
}

func TestSquareAuthAndVersion(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	header := squareHeader()
	header.Del("Authorization")
	status, _, body := call(t, http.MethodPost, base+"/v2/events", header, `{}`)
	is.Equal(status, http.StatusUnauthorized)
	e := asList(body["errors"])[0].(map[string]any)
	is.Equal(e["category"], "AUTHENTICATION_ERROR")
	is.Equal(e["code"], "UNAUTHORIZED")

	header.Set("Authorization", "Bearer wrong")
	status, _, _ = call(t, http.MethodPost, base+"/v2/events", header, `{}`)
	is.Equal(status, http.StatusUnauthorized)

	// Square-Version may be left out; a malformed one is refused.
	header = squareHeader()
	header.Del("Square-Version")
	status, _, _ = call(t, http.MethodPost, base+"/v2/events", header, `{}`)
	is.Equal(status, http.StatusOK)
	header.Set("Square-Version", "latest")
	status, _, body = call(t, http.MethodPost, base+"/v2/events", header, `{}`)
	is.Equal(status, http.StatusBadRequest)
	is.Equal(asList(body["errors"])[0].(map[string]any)["code"], "INVALID_SQUARE_VERSION_FORMAT")

	status, _, _ = call(t, http.MethodPut, base+"/_standin/square/token", nil, `{"access_token":"EAAAmine"}`)
	is.Equal(status, http.StatusNoContent)
	status, _, _ = call(t, http.MethodPost, base+"/v2/events", http.Header{"Authorization": {"Bearer EAAAmine"}, "Content-Type": {"application/json"}}, `{}`)
	is.Equal(status, http.StatusOK)
}

func TestSquareRefusesWhatTheSpecRefuses(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	for _, tc := range []struct {
		body, code, field string
	}{
		{`{"limit":101}`, "VALUE_TOO_HIGH", "limit"},
		{`{"limit":0}`, "VALUE_TOO_LOW", "limit"},
		{`{"limit":"ten"}`, "EXPECTED_INTEGER", "limit"},
		{`{"query":{"sort":{"order":"NEWEST"}}}`, "INVALID_ENUM_VALUE", "query.sort.order"},
		{`{"query":{"filter":{"created_at":{"start_at":"yesterday"}}}}`, "INVALID_TIME", "query.filter.created_at.start_at"},
		{`{"cursor":"not-ours"}`, "INVALID_CURSOR", "cursor"},
		{`{not json`, "EXPECTED_JSON_BODY", ""},
	} {
		status, _, body := call(t, http.MethodPost, base+"/v2/events", squareHeader(), tc.body)
		is.Equal(status, http.StatusBadRequest)
		e := asList(body["errors"])[0].(map[string]any)
		is.Equal(e["code"], tc.code)
		if tc.field != "" {
			is.Equal(e["field"], tc.field)
		}
	}
}

func TestFaultsFailTheNextRequestsWithRetryAfter(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	seed(t, base, "square", []map[string]any{squareEvent("a", time.Now().Add(-time.Minute), "payment.created", "L1")})
	fault(t, base, Fault{PathPrefix: "/v2/events", Status: http.StatusTooManyRequests, RetryAfter: "1", Times: 2})
	fault(t, base, Fault{PathPrefix: "/v1/notifications/", Method: "GET", Status: http.StatusServiceUnavailable, Times: 1})

	for range 2 {
		status, header, body := call(t, http.MethodPost, base+"/v2/events", squareHeader(), `{}`)
		is.Equal(status, http.StatusTooManyRequests)
		is.Equal(header.Get("Retry-After"), "1")
		e := asList(body["errors"])[0].(map[string]any)
		is.Equal(e["category"], "RATE_LIMIT_ERROR")
		is.Equal(e["code"], "RATE_LIMITED")
	}
	status, _, body := call(t, http.MethodPost, base+"/v2/events", squareHeader(), `{}`)
	is.Equal(status, http.StatusOK)
	is.Equal(ids(body["events"], "event_id"), []string{"a"})

	token := paypalToken(t, base) // the fault's prefix does not cover the token endpoint
	status, header, body := call(t, http.MethodGet, base+"/v1/notifications/webhooks-events", bearer(token), "")
	is.Equal(status, http.StatusServiceUnavailable)
	is.Equal(header.Get("Retry-After"), "")
	is.Equal(body["name"], "SERVICE_UNAVAILABLE")
	status, _, _ = call(t, http.MethodGet, base+"/v1/notifications/webhooks-events", bearer(token), "")
	is.Equal(status, http.StatusOK)

	var statuses []int
	var faulted int
	for _, r := range requests(t, base) {
		statuses = append(statuses, r.Status)
		if r.Fault {
			faulted++
		}
	}
	is.Equal(statuses, []int{429, 429, 200, 200, 503, 200})
	is.Equal(faulted, 3)
	resp, err := http.Get(base + "/_standin/faults")
	is.NoErr(err)
	var left []Fault
	is.NoErr(json.NewDecoder(resp.Body).Decode(&left))
	resp.Body.Close()
	is.Equal(len(left), 0) // both used up
}

func TestAResponseThatDriftsFromTheSpecIsA500(t *testing.T) {
	is := is.New(t)
	standins, err := New(DefaultConfig())
	is.NoErr(err)
	server := httptest.NewServer(standins)
	defer server.Close()
	// Straight into the store, past the seeding check: a link without
	// its required href, as a buggy stand-in might build.
	raw := json.RawMessage(`{"id":"WH-1","create_time":"2026-03-01T12:00:00Z","links":[{"rel":"self"}]}`)
	e, err := paypalEventFields(raw)
	is.NoErr(err)
	standins.events["paypal"] = []event{e}

	token := paypalToken(t, server.URL)
	status, _, body := call(t, http.MethodGet, server.URL+"/v1/notifications/webhooks-events", bearer(token), "")
	is.Equal(status, http.StatusInternalServerError)
	is.True(strings.Contains(body["text"].(string), "does not match the paypal spec"))
	is.True(strings.Contains(body["text"].(string), "href"))
	served := requests(t, server.URL)
	is.True(strings.HasPrefix(served[len(served)-1].Validation, "failed: "))
}

func TestSeedingRefusesWhatTheAPIWouldNeverReturn(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	for _, tc := range []struct{ provider, body string }{
		{"paypal", `[{"id":"WH-1","create_time":"2026-03-01T12:00:00Z","event_version":"v1"}]`}, // pattern
		{"paypal", `[{"id":"WH-1","create_time":"1 March"}]`},                                   // date-time
		{"paypal", `[{"create_time":"2026-03-01T12:00:00Z"}]`},                                  // no id to page on
		{"square", `[{"event_id":"e","created_at":"2026-03-01T12:00:00Z","data":{"deleted":"no"}}]`},
		{"square", `{"generate":0}`},
	} {
		status, _, _ := call(t, http.MethodPost, base+"/_standin/"+tc.provider+"/events", nil, tc.body)
		is.Equal(status, http.StatusBadRequest) // tc.body
	}
	seed(t, base, "paypal", []map[string]any{paypalEvent("WH-1", time.Now(), "X", "Y")})
	status, _, _ := call(t, http.MethodPost, base+"/_standin/paypal/events", nil, `[{"id":"WH-1","create_time":"2026-03-01T12:00:00Z"}]`)
	is.Equal(status, http.StatusBadRequest) // seeded twice
}

func TestGeneratedEventsAreTheSpecsExamplesWithFreshIDs(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	paypal := seed(t, base, "paypal", map[string]any{"generate": 4, "step": "1m"})
	square := seed(t, base, "square", map[string]any{"generate": 4, "event_type": "payment.updated"})
	is.Equal(len(paypal), 4)
	is.Equal(len(square), 4)
	is.True(paypal[0]["id"] != paypal[1]["id"])
	is.Equal(square[0]["type"], "payment.updated")
	is.Equal(square[0]["data"].(map[string]any)["type"], "dispute") // from Square's example

	status, _, body := call(t, http.MethodPost, base+"/v2/events", squareHeader(), `{"limit":2}`)
	is.Equal(status, http.StatusOK)
	is.Equal(ids(body["events"], "event_id"), []string{square[3]["event_id"].(string), square[2]["event_id"].(string)})

	token := paypalToken(t, base)
	status, _, body = call(t, http.MethodGet, base+"/v1/notifications/webhooks-events/"+paypal[0]["id"].(string), bearer(token), "")
	is.Equal(status, http.StatusOK)
	is.Equal(body["event_type"], "PAYMENT.CAPTURE.COMPLETED")

	// GET lists what is seeded; DELETE forgets it.
	resp, err := http.Get(base + "/_standin/paypal/events")
	is.NoErr(err)
	var listed []map[string]any
	is.NoErr(json.NewDecoder(resp.Body).Decode(&listed))
	resp.Body.Close()
	is.Equal(len(listed), 4)
	status, _, _ = call(t, http.MethodDelete, base+"/_standin/paypal/events", nil, "")
	is.Equal(status, http.StatusNoContent)
	status, _, body = call(t, http.MethodGet, base+"/v1/notifications/webhooks-events", bearer(token), "")
	is.Equal(status, http.StatusOK)
	is.Equal(len(asList(body["events"])), 0)
}
