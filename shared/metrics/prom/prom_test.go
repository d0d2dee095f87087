package prom_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/metrics"
	"github.com/payhook/payhook/shared/metrics/prom"
	"github.com/payhook/payhook/shared/observe"
)

func scrape(t *testing.T, r *prom.Registry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body)
	}
	body, _ := io.ReadAll(rec.Body)
	return string(body)
}

func TestRecordedValuesAreServedWithUnitsInTheirNames(t *testing.T) {
	is := is.New(t)
	r := prom.New(observe.NewLogger(io.Discard, "info", "test"))
	r.Delivery("stripe", "accepted", 3*time.Millisecond)
	r.Delivery("stripe", "accepted", 30*time.Millisecond)
	r.Delivery("unknown", "unknown_provider", time.Millisecond)
	r.Processed("stripe", "applied")
	r.Failed("paypal")
	r.StoreCommit("put_webhook", 2*time.Millisecond)
	r.Forwarded("billing", "delivered")
	r.Forwarded("billing", "retry")
	got := scrape(t, r)
	for _, want := range []string{
		`payhook_deliveries_total{outcome="accepted",provider="stripe"} 2`,
		`payhook_deliveries_total{outcome="unknown_provider",provider="unknown"} 1`,
		`payhook_receiver_duration_seconds_bucket{provider="stripe",le="0.005"} 1`,
		`payhook_receiver_duration_seconds_bucket{provider="stripe",le="0.05"} 2`,
		`payhook_receiver_duration_seconds_count{provider="stripe"} 2`,
		`payhook_receiver_duration_seconds_sum{provider="stripe"} 0.033`,
		`payhook_processed_total{outcome="applied",provider="stripe"} 1`,
		`payhook_failed_total{provider="paypal"} 1`,
		`payhook_store_commit_duration_seconds_count{operation="put_webhook"} 1`,
		`payhook_forwarded_total{destination="billing",outcome="delivered"} 1`,
		`payhook_forwarded_total{destination="billing",outcome="retry"} 1`,
		"# TYPE payhook_deliveries_total counter",
		"# TYPE payhook_receiver_duration_seconds histogram",
		"go_goroutines ", // Go's own, in this registry
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	is.True(!strings.Contains(got, "payhook_forward_backlog")) // nothing registered yet
}

func TestBacklogAndFeedLagAreAskedAtEachScrape(t *testing.T) {
	is := is.New(t)
	logs := &bytes.Buffer{}
	r := prom.New(observe.NewLogger(logs, "info", "test"))
	backlog := map[string]int{"billing": 3, "ledger": 0}
	var backlogErr error
	asked := 0
	r.ForwardBacklog(func(ctx context.Context) (map[string]int, error) {
		asked++
		_, hasDeadline := ctx.Deadline()
		is.True(hasDeadline)
		return backlog, backlogErr
	})
	r.FeedLag(func(context.Context) (map[string]metrics.Lag, error) {
		return map[string]metrics.Lag{"processor": {Records: 12, Oldest: 1500 * time.Millisecond}, "auditor": {}}, nil
	})

	got := scrape(t, r)
	is.True(strings.Contains(got, `payhook_forward_backlog{destination="billing"} 3`))
	is.True(strings.Contains(got, `payhook_forward_backlog{destination="ledger"} 0`))
	is.True(strings.Contains(got, "# TYPE payhook_forward_backlog gauge"))
	is.True(strings.Contains(got, `payhook_feed_lag_records{consumer="processor"} 12`))
	is.True(strings.Contains(got, `payhook_feed_lag_seconds{consumer="processor"} 1.5`))
	is.True(strings.Contains(got, `payhook_feed_lag_records{consumer="auditor"} 0`))

	backlog["billing"] = 1
	is.True(strings.Contains(scrape(t, r), `payhook_forward_backlog{destination="billing"} 1`))
	is.Equal(asked, 2)

	// A failing function leaves its metrics out of that scrape, is logged,
	// and the rest are still served.
	backlogErr = errors.New("store closed")
	got = scrape(t, r)
	is.True(!strings.Contains(got, "payhook_forward_backlog{"))
	is.True(strings.Contains(got, `payhook_feed_lag_records{consumer="processor"} 12`))
	is.True(strings.Contains(logs.String(), "store closed"))

	r.ForwardBacklog(nil) // unregistered
	backlogErr = nil
	is.True(!strings.Contains(scrape(t, r), "payhook_forward_backlog{"))
	is.Equal(asked, 3)
}

func TestEachRegistryIsItsOwn(t *testing.T) {
	is := is.New(t)
	a := prom.New(observe.NewLogger(io.Discard, "info", "test"))
	b := prom.New(observe.NewLogger(io.Discard, "info", "test")) // no clash: not the global default registry
	a.Failed("stripe")
	is.True(strings.Contains(scrape(t, a), `payhook_failed_total{provider="stripe"} 1`))
	is.True(!strings.Contains(scrape(t, b), `payhook_failed_total{`))
}
