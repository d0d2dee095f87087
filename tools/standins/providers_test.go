package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
)

func stripeEvent(id string, created time.Time, eventType string) map[string]any {
	return map[string]any{
		"id": id, "object": "event", "api_version": "2020-08-27", "created": created.Unix(), "livemode": false,
		"pending_webhooks": 0, "request": map[string]any{"id": nil, "idempotency_key": nil}, "type": eventType,
		"data": map[string]any{"object": map[string]any{"id": "pi_" + id, "object": "payment_intent"}},
	}
}

func stripeHeader() http.Header { return bearer(DefaultConfig().StripeKey) }

// Stripe pages newest first, starting_after the last event of a page, and
// has_more only while there is more: what stripe-mock does not do.
func TestStripePagesNewestFirstWithinCreated(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	var events []map[string]any
	for i := range 7 {
		events = append(events, stripeEvent(fmt.Sprintf("evt_%d", i), t0.Add(time.Duration(i)*time.Minute), "payment_intent.succeeded"))
	}
	events = append(events, stripeEvent("evt_old", time.Now().Add(-31*24*time.Hour), "charge.succeeded")) // past Stripe's 30 days
	seed(t, base, "stripe", events)

	query := url.Values{"limit": {"3"}, "created[gte]": {strconv.FormatInt(t0.Add(time.Minute).Unix(), 10)}, "created[lt]": {strconv.FormatInt(t0.Add(6*time.Minute).Unix(), 10)}}
	var got []string
	for page := 0; ; page++ {
		status, _, body := call(t, http.MethodGet, base+"/stripe/v1/events?"+query.Encode(), stripeHeader(), "")
		is.Equal(status, http.StatusOK)
		is.Equal(body["object"], "list")
		ids := ids(body["data"], "id")
		got = append(got, ids...)
		if body["has_more"] != true {
			is.Equal(page, 1)
			break
		}
		query.Set("starting_after", ids[len(ids)-1])
	}
	is.Equal(got, []string{"evt_5", "evt_4", "evt_3", "evt_2", "evt_1"})

	status, _, body := call(t, http.MethodGet, base+"/stripe/v1/events?limit=2&ending_before=evt_3", stripeHeader(), "")
	is.Equal(status, http.StatusOK)
	is.Equal(ids(body["data"], "id"), []string{"evt_5", "evt_4"})
	is.Equal(body["has_more"], true) // evt_6 is newer still
}

func TestStripeRefusesWhatStripeRefuses(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	seed(t, base, "stripe", []map[string]any{stripeEvent("evt_1", time.Now(), "charge.succeeded")})
	for _, tc := range []struct {
		query  string
		header http.Header
		status int
		param  string
	}{
		{"", bearer("rk_test_wrong"), http.StatusUnauthorized, ""},
		{"", nil, http.StatusUnauthorized, ""},
		{"limit=101", stripeHeader(), http.StatusBadRequest, "limit"},
		{"starting_after=evt_nope", stripeHeader(), http.StatusBadRequest, "starting_after"},
		{"created[gte]=yesterday", stripeHeader(), http.StatusBadRequest, "created"},
	} {
		status, _, body := call(t, http.MethodGet, base+"/stripe/v1/events?"+tc.query, tc.header, "")
		is.Equal(status, tc.status) // tc.query
		e := body["error"].(map[string]any)
		is.Equal(e["type"], "invalid_request_error")
		if tc.param != "" {
			is.Equal(e["param"], tc.param)
		}
	}
	// Basic authentication with the key as user name, as Stripe's curl examples do.
	status, _, _ := call(t, http.MethodGet, base+"/stripe/v1/events", http.Header{"Authorization": {basicAuth(DefaultConfig().StripeKey, "")}}, "")
	is.Equal(status, http.StatusOK)
}

func paddleEvent(t *testing.T, created time.Time, eventType string) map[string]any {
	t.Helper()
	return map[string]any{
		"event_id": paddleEventID(created), "event_type": eventType, "occurred_at": created.UTC().Format(time.RFC3339Nano),
		"data": map[string]any{"id": "txn_01hv975mbh902hcyb7mks5kt0n", "status": "completed"},
	}
}

// Paddle's ids are ULIDs: ordered by id is ordered by time.
func TestPaddleEventIDsSortAsTheirTimes(t *testing.T) {
	is := is.New(t)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	a, b := paddleEventID(t0), paddleEventID(t0.Add(time.Millisecond))
	is.True(a < b)
	is.Equal(len(a), len("evt_")+26)
	is.Equal(paddleEventID(time.UnixMilli(1469922850259))[:14], "evt_01arz3ndek") // the ULID specification's example: 01ARZ3NDEK...
}

func TestPaddleListsByIDAndPagesWithAfter(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	t0 := time.Now().Add(-time.Hour)
	var seeded []string
	for i := range 5 {
		e := paddleEvent(t, t0.Add(time.Duration(i)*time.Minute), "transaction.completed")
		seeded = append(seeded, e["event_id"].(string))
		seed(t, base, "paddle", []map[string]any{e})
	}
	seed(t, base, "paddle", []map[string]any{paddleEvent(t, time.Now().Add(-91*24*time.Hour), "transaction.paid")}) // past Paddle's 90 days
	header := bearer(DefaultConfig().PaddleKey)

	status, _, body := call(t, http.MethodGet, base+"/paddle/events?per_page=2", header, "")
	is.Equal(status, http.StatusOK)
	is.Equal(ids(body["data"], "event_id"), []string{seeded[4], seeded[3]}) // newest first by default
	pagination := body["meta"].(map[string]any)["pagination"].(map[string]any)
	is.Equal(pagination["has_more"], true)
	is.Equal(pagination["next"], base+"/paddle/events?after="+seeded[3]+"&per_page=2")

	status, _, body = call(t, http.MethodGet, base+"/paddle/events?order_by=id[ASC]&per_page=10&after="+seeded[1], header, "")
	is.Equal(status, http.StatusOK)
	is.Equal(ids(body["data"], "event_id"), []string{seeded[2], seeded[3], seeded[4]})
	is.Equal(body["meta"].(map[string]any)["pagination"].(map[string]any)["has_more"], false)

	for _, tc := range []struct {
		query  string
		header http.Header
		status int
		code   string
	}{
		{"", bearer("pdl_sdbx_apikey_wrong"), http.StatusForbidden, "invalid_token"},
		{"", nil, http.StatusForbidden, "authentication_missing"},
		{"per_page=201", header, http.StatusBadRequest, "bad_request"},
		{"order_by=occurred_at[ASC]", header, http.StatusBadRequest, "bad_request"},
	} {
		status, _, body := call(t, http.MethodGet, base+"/paddle/events?"+tc.query, tc.header, "")
		is.Equal(status, tc.status) // tc.query
		is.Equal(body["error"].(map[string]any)["code"], tc.code)
	}
}

// Paddle answers every 429 with Retry-After.
func TestPaddleThrottlesWithRetryAfter(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	fault(t, base, Fault{PathPrefix: "/paddle/events", Status: http.StatusTooManyRequests, Times: 1})
	status, header, body := call(t, http.MethodGet, base+"/paddle/events", bearer(DefaultConfig().PaddleKey), "")
	is.Equal(status, http.StatusTooManyRequests)
	is.Equal(header.Get("Retry-After"), "1")
	is.Equal(body["error"].(map[string]any)["code"], "too_many_requests")
}

func gocardlessHeader() http.Header {
	h := bearer(DefaultConfig().GoCardlessToken)
	h.Set("GoCardless-Version", "2015-07-06")
	return h
}

func gocardlessEvent(id string, created time.Time, resource, action, paymentID string) map[string]any {
	return map[string]any{
		"id": id, "created_at": created.UTC().Format("2006-01-02T15:04:05.000Z"), "resource_type": resource, "action": action,
		"links": map[string]any{"payment": paymentID}, "details": map[string]any{"origin": "gocardless", "cause": "payment_" + action}, "metadata": map[string]any{},
	}
}

func TestGoCardlessPagesWithCursorsWithinCreatedAt(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	t0 := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	var events []map[string]any
	for i := range 6 {
		events = append(events, gocardlessEvent(fmt.Sprintf("EV%03d", i), t0.Add(time.Duration(i)*time.Minute), "payments", "confirmed", fmt.Sprintf("PM%03d", i)))
	}
	seed(t, base, "gocardless", events)
	query := url.Values{"limit": {"2"}, "created_at[gte]": {t0.Add(time.Minute).Format(time.RFC3339Nano)}, "created_at[lt]": {t0.Add(5 * time.Minute).Format(time.RFC3339Nano)}}
	var got []string
	for {
		status, header, body := call(t, http.MethodGet, base+"/gocardless/events?"+query.Encode(), gocardlessHeader(), "")
		is.Equal(status, http.StatusOK)
		is.True(header.Get("RateLimit-Remaining") != "") // on every answer
		got = append(got, ids(body["events"], "id")...)
		after, _ := body["meta"].(map[string]any)["cursors"].(map[string]any)["after"].(string)
		if after == "" {
			break
		}
		query.Set("after", after)
	}
	is.Equal(got, []string{"EV004", "EV003", "EV002", "EV001"})
}

func TestGoCardlessServesPaymentsAndRefundsByID(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	payment := map[string]any{"id": "PM001", "amount": 4200, "currency": "GBP", "status": "confirmed", "created_at": "2026-03-01T12:00:00.000Z", "links": map[string]any{"mandate": "MD001"}}
	refund := map[string]any{"id": "RF001", "amount": 1200, "currency": "GBP", "created_at": "2026-03-02T12:00:00.000Z", "links": map[string]any{"payment": "PM001"}, "status": "paid"}
	for kind, v := range map[string]any{"payments": payment, "refunds": refund} {
		resp, err := http.Post(base+"/_standin/gocardless/"+kind, "application/json", strings.NewReader(mustJSON(t, []any{v})))
		is.NoErr(err)
		resp.Body.Close()
		is.Equal(resp.StatusCode, http.StatusCreated)
	}
	status, _, body := call(t, http.MethodGet, base+"/gocardless/payments/PM001", gocardlessHeader(), "")
	is.Equal(status, http.StatusOK)
	is.Equal(body["payments"].(map[string]any)["amount"], float64(4200))
	status, _, body = call(t, http.MethodGet, base+"/gocardless/refunds/RF001", gocardlessHeader(), "")
	is.Equal(status, http.StatusOK)
	is.Equal(body["refunds"].(map[string]any)["amount"], float64(1200))
	status, _, body = call(t, http.MethodGet, base+"/gocardless/payments/PM404", gocardlessHeader(), "")
	is.Equal(status, http.StatusNotFound)
	is.Equal(body["error"].(map[string]any)["type"], "invalid_api_usage")

	// The listing's include=payment, with resource_type as GoCardless requires.
	seed(t, base, "gocardless", []map[string]any{gocardlessEvent("EV1", time.Now(), "payments", "confirmed", "PM001")})
	status, _, body = call(t, http.MethodGet, base+"/gocardless/events?resource_type=payments&include=payment", gocardlessHeader(), "")
	is.Equal(status, http.StatusOK)
	is.Equal(ids(body["linked"].(map[string]any)["payments"], "id"), []string{"PM001"})
	status, _, _ = call(t, http.MethodGet, base+"/gocardless/events?include=payment", gocardlessHeader(), "")
	is.Equal(status, http.StatusUnprocessableEntity)

	// A payment the API would never return is not seeded.
	status, _, _ = call(t, http.MethodPost, base+"/_standin/gocardless/payments", http.Header{"Content-Type": {"application/json"}}, `[{"id":"PM2","amount":"10.00","currency":"GBP","status":"confirmed","created_at":"2026-03-01T12:00:00.000Z"}]`)
	is.Equal(status, http.StatusBadRequest)
}

func TestGoCardlessRefusesWhatGoCardlessRefuses(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	noVersion := bearer(DefaultConfig().GoCardlessToken)
	for _, tc := range []struct {
		query  string
		header http.Header
		status int
		reason string
	}{
		{"", bearer("sandbox_wrong"), http.StatusUnauthorized, "access_token_not_found"},
		{"", noVersion, http.StatusBadRequest, "missing_version_header"},
		{"limit=501", gocardlessHeader(), http.StatusUnprocessableEntity, ""},
		{"after=EV404", gocardlessHeader(), http.StatusUnprocessableEntity, ""},
	} {
		status, _, body := call(t, http.MethodGet, base+"/gocardless/events?"+tc.query, tc.header, "")
		is.Equal(status, tc.status) // tc.query
		if tc.reason != "" {
			e := body["error"].(map[string]any)["errors"].([]any)[0].(map[string]any)
			is.Equal(e["reason"], tc.reason)
		}
	}
}

// GoCardless says when its limit resets, as an HTTP date, and sends no
// Retry-After.
func TestGoCardlessThrottlesWithRateLimitReset(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	fault(t, base, Fault{PathPrefix: "/gocardless/", Status: http.StatusTooManyRequests, RetryAfter: "2", Times: 1})
	asked := time.Now()
	status, header, body := call(t, http.MethodGet, base+"/gocardless/events", gocardlessHeader(), "")
	is.Equal(status, http.StatusTooManyRequests)
	is.Equal(header.Get("Retry-After"), "")
	is.Equal(header.Get("RateLimit-Remaining"), "0")
	reset, err := http.ParseTime(header.Get("RateLimit-Reset"))
	is.NoErr(err)
	is.True(!reset.Before(asked.Add(2 * time.Second).Truncate(time.Second)))
	is.Equal(body["error"].(map[string]any)["errors"].([]any)[0].(map[string]any)["reason"], "rate_limit_exceeded")
}

func TestGeneratedEventsOfTheNewProviders(t *testing.T) {
	is := is.New(t)
	_, base := start(t)
	for _, provider := range []string{"stripe", "paddle", "gocardless"} {
		is.Equal(len(seed(t, base, provider, map[string]any{"generate": 3})), 3)
	}
	status, _, body := call(t, http.MethodGet, base+"/paddle/events", bearer(DefaultConfig().PaddleKey), "")
	is.Equal(status, http.StatusOK)
	first := asList(body["data"])[0].(map[string]any)
	is.Equal(first["event_type"], "transaction.completed") // the spec's example
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
