//go:build !sandbox

package main_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/local"
)

// total sums every series of a scrape whose name and labels start with
// prefix, e.g. `payhook_deliveries_total{outcome="accepted"`.
func total(t *testing.T, scraped, prefix string) float64 {
	t.Helper()
	sum := 0.0
	for line := range strings.SplitSeq(scraped, "\n") {
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		sum += v
	}
	return sum
}

func curl(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url) //nolint:gosec // G107: the serve this test started
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return string(body)
}

// TestMetricsMoveDuringBench is the check: bench prints serve's
// metrics URL, and a curl of it while bench runs shows the counters moving.
func TestMetricsMoveDuringBench(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	serveCmd, info := startServe(t, dir)
	metricsURL := info.AdminURL + local.MetricsPath
	const accepted = `payhook_deliveries_total{outcome="accepted"`
	is.Equal(total(t, curl(t, metricsURL), accepted), 0.0)

	bench := exec.Command(binary, "bench", "--data", dir, "--rate", "200", "--duration", "3s", "--check-processed")
	bench.Env = cleanEnv()
	stdout, err := bench.StdoutPipe()
	is.NoErr(err)
	var benchErr bytes.Buffer
	bench.Stderr = &benchErr
	is.NoErr(bench.Start())
	lines := bufio.NewScanner(stdout)
	printed := ""
	for printed == "" && lines.Scan() {
		if url, ok := strings.CutPrefix(lines.Text(), "metrics: "); ok {
			printed = url
		}
	}
	is.True(printed != "")
	is.Equal(strings.Fields(printed)[0], metricsURL) // bench says where to look
	rest := make(chan string)
	go func() {
		var b strings.Builder
		for lines.Scan() {
			b.WriteString(lines.Text() + "\n")
		}
		rest <- b.String()
	}()

	// While it runs: one scrape, then a later one with more.
	var first float64
	wait.Until(t, 10*time.Second, "deliveries counted", func() bool {
		first = total(t, curl(t, metricsURL), accepted)
		return first > 0
	})
	wait.Until(t, 10*time.Second, "more deliveries counted", func() bool {
		return total(t, curl(t, metricsURL), accepted) > first
	})
	report := <-rest
	is.NoErr(bench.Wait())
	is.True(strings.Contains(report, "lost 0"))

	// Afterwards: every delivery bench had answered 2xx (600 on an idle
	// machine; a busy one sends fewer in the 3 s) accepted, timed and
	// processed, the feed caught up.
	m := regexp.MustCompile(`2xx (\d+),`).FindStringSubmatch(report)
	is.True(m != nil)
	acked, err := strconv.ParseFloat(m[1], 64)
	is.NoErr(err)
	is.True(acked > 0)
	after := curl(t, metricsURL)
	is.Equal(total(t, after, accepted), acked)
	is.Equal(total(t, after, "payhook_receiver_duration_seconds_count{"), acked)
	is.Equal(total(t, after, "payhook_processed_total{"), acked)
	is.Equal(total(t, after, `payhook_feed_lag_records{consumer="processor"}`), 0.0)
	is.True(total(t, after, `payhook_store_commit_duration_seconds_count{operation="put_webhook"}`) > 0)
	is.True(!strings.Contains(after, "evt_")) // names and counts, never an event

	is.NoErr(serveCmd.Process.Signal(syscall.SIGTERM))
	is.NoErr(serveCmd.Wait())
	banner := serveCmd.Stdout.(*bytes.Buffer).String()
	is.True(strings.Contains(banner, "metrics: "+metricsURL+" "))
}
