package reconcile_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/rs/zerolog"

	"github.com/payhook/payhook/shared/provider"
	providerapi "github.com/payhook/payhook/shared/provider/api"
	"github.com/payhook/payhook/shared/provider/gocardless"
	"github.com/payhook/payhook/shared/provider/paddle"
	"github.com/payhook/payhook/shared/provider/paypal"
	"github.com/payhook/payhook/shared/provider/square"
	"github.com/payhook/payhook/shared/provider/stripe"
	"github.com/payhook/payhook/shared/reconcile"
	"github.com/payhook/payhook/shared/store/memory"
)

// endless is an event API that always has another page: the same cursor
// again, or a fresh one each time. Each provider's page says "more" its
// own way.
type endless struct {
	provider string
	keys     func(url string) provider.Keys
	// page answers the n-th list request (from 1) with one event and a
	// way on to cursor.
	page func(w http.ResponseWriter, r *http.Request, n int, cursor string)
}

var endlessAPIs = []endless{
	{
		provider: "stripe",
		keys: func(url string) provider.Keys {
			return provider.Keys{stripe.APIKey: {"rk_test_attack"}, stripe.APIURL: {url}}
		},
		page: func(w http.ResponseWriter, _ *http.Request, n int, cursor string) {
			// The last event's id is Stripe's cursor.
			fmt.Fprintf(w, `{"object":"list","has_more":true,"data":[%s]}`, stripeEvent("evt_"+cursor, time.Now().Add(-time.Hour)))
		},
	},
	{
		provider: "paypal",
		keys: func(url string) provider.Keys {
			return provider.Keys{paypal.ClientID: {"id"}, paypal.ClientSecret: {"secret"}, paypal.APIURL: {url}}
		},
		page: func(w http.ResponseWriter, r *http.Request, n int, cursor string) {
			fmt.Fprintf(w, `{"events":[{"id":"WH-%d","event_type":"PAYMENT.CAPTURE.COMPLETED","create_time":"2026-11-28T10:00:00Z","resource":{"id":"CAP-%d"}}],"links":[{"rel":"next","href":"http://%s/v1/notifications/webhooks-events?page=%s"}]}`, n, n, r.Host, cursor)
		},
	},
	{
		provider: "paddle",
		keys: func(url string) provider.Keys {
			return provider.Keys{paddle.APIKey: {"pdl_live_apikey_attack"}, paddle.APIURL: {url}}
		},
		page: func(w http.ResponseWriter, _ *http.Request, _ int, cursor string) {
			// The last event's id is the cursor; each is inside the window.
			fmt.Fprintf(w, `{"data":[{"event_id":"evt_%s","event_type":"transaction.paid","occurred_at":%q,"data":{"id":"txn_1"}}],"meta":{"request_id":"r","pagination":{"per_page":200,"next":"","has_more":true}}}`,
				cursor, time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
		},
	},
	{
		provider: "gocardless",
		keys: func(url string) provider.Keys {
			return provider.Keys{gocardless.AccessToken: {"live_attack"}, gocardless.APIURL: {url}}
		},
		page: func(w http.ResponseWriter, _ *http.Request, n int, cursor string) {
			fmt.Fprintf(w, `{"events":[{"id":"EV%d","created_at":"2026-11-28T10:00:00.000Z","resource_type":"mandates","action":"created","links":{}}],"meta":{"cursors":{"after":%q,"before":null},"limit":500}}`, n, cursor)
		},
	},
	{
		provider: "square",
		keys: func(url string) provider.Keys {
			return provider.Keys{square.AccessToken: {"token"}, square.APIURL: {url}}
		},
		page: func(w http.ResponseWriter, _ *http.Request, n int, cursor string) {
			fmt.Fprintf(w, `{"events":[{"event_id":"sq-%d","type":"payment.updated","created_at":"2026-11-28T10:00:00Z","data":{"type":"payment","id":"P%d"}}],"cursor":%q}`, n, n, cursor)
		},
	},
}

// serve starts the endless API; cursor gives the n-th page's way on.
func (e endless) serve(t *testing.T, cursor func(n int) string) (*httptest.Server, *atomic.Int32) {
	var lists atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/oauth2/token" {
			w.Write([]byte(`{"access_token":"A21AA-attack","token_type":"Bearer","expires_in":32400}`))
			return
		}
		n := int(lists.Add(1))
		w.Header().Set("Content-Type", "application/json")
		e.page(w, r, n, cursor(n))
	}))
	t.Cleanup(srv.Close)
	return srv, &lists
}

func (e endless) run(t *testing.T, url string, maxPages int) error {
	t.Helper()
	cfg := provider.APIConfig{HTTP: &http.Client{Timeout: 5 * time.Second}, MaxPages: maxPages}
	source, err := reconcile.SourceFor(e.provider, e.keys(url), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Long enough for any page count a test here asks for; an endless
	// listing would run until then.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r := &reconcile.Reconciler{Store: memory.New(), Retention: func(string) time.Duration { return 35 * 24 * time.Hour }, Log: zerolog.Nop()}
	_, err = r.Run(ctx, source.Provider, source.Events, time.Now().Add(-72*time.Hour), time.Now())
	return err
}

// TestAnAPIThatRepeatsACursorStopsTheRun: an API that hands back a cursor
// it gave before would be paged round the same events until the deadline.
func TestAnAPIThatRepeatsACursorStopsTheRun(t *testing.T) {
	for _, e := range endlessAPIs {
		t.Run(e.provider, func(t *testing.T) {
			is := is.New(t)
			srv, lists := e.serve(t, func(int) string { return "same" })
			err := e.run(t, srv.URL, 0)
			is.True(errors.Is(err, providerapi.ErrEndlessListing))
			is.Equal(lists.Load(), int32(2)) // the second page gave the first's cursor again: no third request
		})
	}
}

// TestAnAPIThatNeverEndsStopsAtThePageCap: an API that always has more,
// with a fresh cursor each time, stops at the most pages a run reads.
func TestAnAPIThatNeverEndsStopsAtThePageCap(t *testing.T) {
	for _, e := range endlessAPIs {
		t.Run(e.provider, func(t *testing.T) {
			is := is.New(t)
			srv, lists := e.serve(t, func(n int) string { return fmt.Sprintf("page-%d", n) })
			err := e.run(t, srv.URL, 50)
			is.True(errors.Is(err, providerapi.ErrEndlessListing))
			is.Equal(lists.Load(), int32(50))
		})
	}
}

// The default cap is far above what any run reads, and still ends a
// listing that would otherwise run until the deadline.
func TestTheDefaultPageCapEndsAnEndlessListing(t *testing.T) {
	is := is.New(t)
	e := endlessAPIs[0]
	srv, lists := e.serve(t, func(n int) string { return fmt.Sprintf("page-%d", n) })
	err := e.run(t, srv.URL, 0)
	is.True(errors.Is(err, providerapi.ErrEndlessListing))
	is.Equal(lists.Load(), int32(providerapi.DefaultMaxPages))
}
