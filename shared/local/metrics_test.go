package local_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/samples"
)

// scrape reads the metrics endpoint, as Prometheus would, without a token.
func scrape(t *testing.T, s *local.Server) string {
	t.Helper()
	resp, err := http.Get(s.MetricsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", s.MetricsURL, resp.StatusCode, body)
	}
	return string(body)
}

// value is the sample of series (name and labels as exposed, e.g.
// `payhook_failed_total{provider="stripe"}`) in a scrape; 0 when absent.
func value(t *testing.T, scraped, series string) float64 {
	t.Helper()
	lines := bufio.NewScanner(strings.NewReader(scraped))
	for lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), series+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			if err != nil {
				t.Fatalf("%s: %v", series, err)
			}
			return v
		}
	}
	return 0
}

func TestMetricsMoveWithDeliveriesAndNameNoEvent(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	s := start(t, options(t, dir, nil))
	is.Equal(s.MetricsURL, s.AdminURL+local.MetricsPath)
	is.Equal(request(t, http.MethodGet, s.URL+local.MetricsPath, "", nil).StatusCode, 404) // never on the webhook listener

	const (
		accepted   = `payhook_deliveries_total{outcome="accepted",provider="stripe"}`
		duplicate  = `payhook_deliveries_total{outcome="duplicate",provider="stripe"}`
		forged     = `payhook_deliveries_total{outcome="invalid_signature",provider="stripe"}`
		unknown    = `payhook_deliveries_total{outcome="unknown_provider",provider="unknown"}`
		latency    = `payhook_receiver_duration_seconds_count{provider="stripe"}`
		applied    = `payhook_processed_total{outcome="applied",provider="stripe"}`
		committed  = `payhook_store_commit_duration_seconds_count{operation="put_webhook"}`
		processing = `payhook_store_commit_duration_seconds_count{operation="transaction"}`
	)
	before := scrape(t, s)
	for _, series := range []string{accepted, duplicate, forged, unknown, latency, applied} {
		is.Equal(value(t, before, series), 0.0)
	}

	post := func(path string, d provider.Delivery) int {
		req, err := http.NewRequest(http.MethodPost, s.URL+path, bytes.NewReader(d.Body))
		is.NoErr(err)
		req.Header = d.Header
		resp, err := http.DefaultClient.Do(req)
		is.NoErr(err)
		resp.Body.Close()
		return resp.StatusCode
	}
	var ids []string
	for i := range 3 {
		body, id, err := samples.Build("stripe", "payment_intent.succeeded", provider.SampleOptions{
			EventID: fmt.Sprintf("evt_metrics_%d", i), PaymentID: fmt.Sprintf("pi_metrics_%d", i),
		})
		is.NoErr(err)
		signed, err := samples.Sign("stripe", body, s.Keys, id, time.Now())
		is.NoErr(err)
		is.Equal(post("/webhook/stripe", signed), 200)
		ids = append(ids, id)
		if i == 0 {
			is.Equal(post("/webhook/stripe", signed), 200) // a provider's retry
			signed.Body = append(bytes.TrimSuffix(signed.Body, []byte("}")), []byte(`,"x":1}`)...)
			is.Equal(post("/webhook/stripe", signed), 401) // tampered
			is.Equal(post("/webhook/evt_metrics_secret_path", signed), 404)
		}
	}

	var after string
	wait.Until(t, 10*time.Second, "the three webhooks counted as processed", func() bool {
		after = scrape(t, s)
		return value(t, after, applied) == 3
	})
	is.Equal(value(t, after, accepted), 3.0)
	is.Equal(value(t, after, duplicate), 1.0)
	is.Equal(value(t, after, forged), 1.0)
	is.Equal(value(t, after, unknown), 1.0)
	is.Equal(value(t, after, latency), 5.0) // three accepted, the retry and the tampered one
	is.True(value(t, after, `payhook_receiver_duration_seconds_bucket{provider="stripe",le="+Inf"}`) == 5)
	is.True(value(t, after, committed) >= 4) // three new webhooks and the retry's shared commit
	is.True(value(t, after, processing) >= 1)
	is.True(strings.Contains(after, `payhook_feed_lag_records{consumer="processor"}`))
	is.True(strings.Contains(after, `payhook_feed_lag_seconds{consumer="auditor"}`))

	// Names and counts only: no event, payment, path or key.
	for _, secret := range append(ids, "pi_metrics_", "evt_metrics_secret_path", "whsec_") {
		if strings.Contains(after, secret) {
			t.Errorf("the metrics expose %q", secret)
		}
	}
}
