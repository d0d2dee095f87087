package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/store"
)

type benchDelivery struct {
	provider, eventID string
	header            http.Header
	body              []byte
}

type benchResult struct {
	delivery *benchDelivery
	status   int
	err      error
	latency  time.Duration
}

func newBenchCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench (--rate R | --concurrency C) [--duration D] [--requests N] [--data DIR | --url URL]",
		Short: "load payhook with signed webhooks, then check none was lost (a serve of its own on a temporary directory, or yours)",
		Args:  noArgs,
	}
	fs := cmd.Flags()
	target := fs.String("url", "", "payhook's base URL (default: the running serve of --data, else a serve of bench's own)")
	rate := fs.Int("rate", 0, "deliveries per second, open loop")
	concurrency := fs.Int("concurrency", 0, "senders, each sending as fast as answers come (closed loop)")
	duration := fs.Duration("duration", 10*time.Second, "how long to send")
	requests := fs.Int("requests", 50000, "deliveries to prepare for --concurrency (each is signed before the clock starts)")
	providers := fs.String("providers", strings.Join(registry.Names(), ","), "providers to send as, in turn")
	allowRemote := fs.Bool("allow-remote", false, "allow a URL that is not on this machine (bench writes real webhooks)")
	dataDir := fs.String("data", "", "the data directory of the running serve to load: its secrets sign, its events are checked afterwards "+
		"(env PAYHOOK_DATA_DIR; default: bench starts a serve of its own on a temporary directory, and removes both afterwards)")
	drain := fs.Duration("drain", 30*time.Second, "after sending, how long to wait for processing to finish")
	checkProcessed := fs.Bool("check-processed", false, "fail when any acknowledged webhook is still unprocessed after --drain")
	accepts(fs, "duration", "a positive duration up to 1h, such as 10s")
	accepts(fs, "drain", "a duration of 0 or more, such as 30s")
	accepts(fs, "rate", "a positive number of deliveries per second, such as 200")
	accepts(fs, "concurrency", "a positive number of senders, such as 8")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		stdout := cmd.OutOrStdout()
		stderr := cmd.ErrOrStderr()
		switch {
		case *rate < 0:
			return refused(fs, "rate")
		case *concurrency < 0:
			return refused(fs, "concurrency")
		case (*rate > 0) == (*concurrency > 0):
			return usageError("give either --rate or --concurrency")
		case *duration <= 0 || *duration > time.Hour:
			return refused(fs, "duration")
		case *drain < 0:
			return refused(fs, "drain")
		}
		names := strings.Split(*providers, ",")
		for _, name := range names {
			if _, ok := registry.Lookup(name); !ok {
				return usageError("--providers: %q is no provider (%s)", name, strings.Join(registry.Names(), ", "))
			}
		}
		base := strings.TrimSuffix(*target, "/")
		switch {
		case *dataDir == "" && base != "":
			*dataDir = config.Default("PAYHOOK_DATA_DIR") // whose secrets sign, as send's
		case *dataDir == "":
			dir, stop, err := ownServe(stdout)
			if err != nil {
				return err
			}
			defer stop()
			*dataDir = dir
		}
		servePID, metricsURL := 0, ""
		info, running := local.RunningServe(*dataDir)
		if base == "" {
			if !running {
				return fmt.Errorf("no payhook serve is running on %s: start one, or give --url", *dataDir)
			}
			base, servePID = info.URL, info.PID
		}
		if running && base == info.URL {
			metricsURL = info.AdminURL + local.MetricsPath
		}
		if err := checkLocal(base, *allowRemote); err != nil {
			return err
		}

		count := *requests
		if *rate > 0 {
			count = int(float64(*rate) * duration.Seconds())
		}
		deliveries, err := prepare(names, count, *dataDir, stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "payhook bench: %s, %d prepared deliveries (%s), %s\n", base, len(deliveries), strings.Join(names, ", "), mode(*rate, *concurrency, *duration))
		if metricsURL != "" {
			fmt.Fprintf(stdout, "metrics: %s (curl it while this runs)\n", metricsURL)
		}
		before := footprint(*dataDir, servePID)
		results, elapsed := load(base, deliveries, *rate, *concurrency, *duration, stderr)
		summary := summarize(results, elapsed)
		fmt.Fprint(stdout, summary.String())

		stopped := footprint(*dataDir, servePID) // before the drain's listings, which load serve
		acked := acknowledged(results)
		drained, err := waitProcessed(*dataDir, acked, *drain)
		if err != nil {
			return fmt.Errorf("checking what was stored: %w", err)
		}
		fmt.Fprint(stdout, drained.String(elapsed))
		after := footprint(*dataDir, servePID)
		fmt.Fprintf(stdout, "  data directory %s before, %s when sending stopped, %s after the drain\n", before.disk, stopped.disk, after.disk)
		fmt.Fprintf(stdout, "  serve's RSS %s before, %s when sending stopped, %s after the drain\n", before.rss, stopped.rss, after.rss)
		switch {
		case len(drained.lost) > 0:
			return fmt.Errorf("%d acknowledged webhooks are not stored, e.g. %s", len(drained.lost), drained.lost[0])
		case *checkProcessed && drained.unprocessed > 0:
			return fmt.Errorf("%d acknowledged webhooks still unprocessed %s after sending stopped", drained.unprocessed, drained.waited.Round(time.Millisecond))
		}
		return nil
	}
	return cmd
}

func mode(rate, concurrency int, duration time.Duration) string {
	if rate > 0 {
		return fmt.Sprintf("%d/s for %s", rate, duration)
	}
	return fmt.Sprintf("%d senders for %s", concurrency, duration)
}

// checkLocal refuses to load anything but this machine unless told to.
func checkLocal(base string, allowRemote bool) error {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return usageError("--url: a URL such as http://127.0.0.1:8080")
	}
	ip := net.ParseIP(u.Hostname())
	if u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback()) || allowRemote {
		return nil
	}
	return usageError("--url: %s is not on this machine; bench writes real webhooks there (--allow-remote if you mean it)", u.Host)
}

// prepare signs count unique deliveries, in turn across providers, on every
// core, before any is sent.
func prepare(names []string, count int, dataDir string, progress io.Writer) ([]*benchDelivery, error) {
	keys, err := signingKeys(dataDir)
	if err != nil {
		return nil, err
	}
	run := time.Now().UnixNano()
	deliveries := make([]*benchDelivery, count)
	var next atomic.Int64
	var failure error
	var once sync.Once
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < count; i = int(next.Add(1) - 1) {
				name := names[i%len(names)]
				id := fmt.Sprintf("bench-%d-%d", run, i)
				p, _ := registry.Lookup(name)
				body, eventID, err := p.Development.Sample(p.Development.EventTypes()[0], provider.SampleOptions{EventID: id, PaymentID: "pay-" + id})
				if err == nil {
					var signed provider.Delivery
					signed, err = samples.Sign(name, body, keys, eventID, time.Now())
					deliveries[i] = &benchDelivery{provider: name, eventID: eventID, header: signed.Header, body: signed.Body}
				}
				if err != nil {
					once.Do(func() { failure = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	fmt.Fprintf(progress, "prepared %d signed deliveries\n", count)
	return deliveries, failure
}

// load delivers until the deliveries or the time run out, printing
// progress each second.
func load(base string, deliveries []*benchDelivery, rate, concurrency int, duration time.Duration, progress io.Writer) ([]benchResult, time.Duration) {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1024, MaxConnsPerHost: 0}}
	results := make([]benchResult, len(deliveries))
	var next, done atomic.Int64
	start := time.Now()
	deadline := start.Add(duration)
	deliver := func(i int) {
		d := deliveries[i]
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, base+"/webhook/"+d.provider, bytes.NewReader(d.body))
		req.Header = d.header.Clone()
		sent := time.Now()
		resp, err := client.Do(req)
		r := benchResult{delivery: d, err: err, latency: time.Since(sent)}
		if err == nil {
			r.status = resp.StatusCode
			// The answer is read only to reuse the connection.
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		results[i] = r
		done.Add(1)
	}
	stop := make(chan struct{})
	go func() {
		ticker := time.NewTicker(time.Second)
		defer ticker.Stop()
		var last int64
		for {
			select {
			case <-stop:
				return
			case <-ticker.C:
				n := done.Load()
				fmt.Fprintf(progress, "  %5.0fs  %d delivered  %d/s\n", time.Since(start).Seconds(), n, n-last)
				last = n
			}
		}
	}()
	var wg sync.WaitGroup
	if rate > 0 {
		interval := time.Second / time.Duration(rate)
		for i := range deliveries {
			if at := start.Add(time.Duration(i) * interval); time.Now().Before(at) {
				time.Sleep(time.Until(at))
			}
			if time.Now().After(deadline) {
				break
			}
			wg.Add(1)
			next.Add(1)
			go func() { defer wg.Done(); deliver(i) }()
		}
	} else {
		for range concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(deadline) {
					i := int(next.Add(1) - 1)
					if i >= len(deliveries) {
						return
					}
					deliver(i)
				}
			}()
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	sent := min(int(next.Load()), len(deliveries))
	return results[:sent], elapsed
}

type benchSummary struct {
	sent, acked, client4xx, server5xx, errors int
	elapsed                                   time.Duration
	latencies                                 []time.Duration
}

func summarize(results []benchResult, elapsed time.Duration) benchSummary {
	s := benchSummary{sent: len(results), elapsed: elapsed}
	for _, r := range results {
		switch {
		case r.err != nil:
			s.errors++
		case r.status/100 == 2:
			s.acked++
		case r.status/100 == 4:
			s.client4xx++
		default:
			s.server5xx++
		}
		if r.err == nil {
			s.latencies = append(s.latencies, r.latency)
		}
	}
	slices.Sort(s.latencies)
	return s
}

func (s benchSummary) percentile(p float64) time.Duration {
	if len(s.latencies) == 0 {
		return 0
	}
	return s.latencies[min(len(s.latencies)-1, int(p*float64(len(s.latencies))))]
}

func (s benchSummary) String() string {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
	return fmt.Sprintf("  sent %d in %.1fs: 2xx %d, 4xx %d, 5xx %d, errors %d\n  throughput %.0f acknowledged/s\n  latency p50 %s  p95 %s  p99 %s  max %s\n",
		s.sent, s.elapsed.Seconds(), s.acked, s.client4xx, s.server5xx, s.errors,
		float64(s.acked)/s.elapsed.Seconds(), ms(s.percentile(0.50)), ms(s.percentile(0.95)), ms(s.percentile(0.99)), ms(s.percentile(1)))
}

// acknowledged are the provider/event keys of the 2xx answers.
func acknowledged(results []benchResult) []string {
	var keys []string
	for _, r := range results {
		if r.err == nil && r.status/100 == 2 {
			keys = append(keys, r.delivery.provider+"/"+r.delivery.eventID)
		}
	}
	return keys
}

// drainReport is what became of the acknowledged webhooks once sending
// stopped.
type drainReport struct {
	acked int
	// lost were acknowledged and are not stored: a broken promise.
	lost []string
	// atStop and unprocessed are the stored webhooks still RECEIVED or
	// RETRY when sending stopped, and after waited.
	atStop, unprocessed int
	waited              time.Duration
}

func (d drainReport) String(sending time.Duration) string {
	processed := d.acked - len(d.lost) - d.unprocessed
	return fmt.Sprintf("  acknowledged %d, stored %d, lost %d\n  processed %d (%.0f/s over sending and draining); unprocessed: %d when sending stopped, %d after %s\n",
		d.acked, d.acked-len(d.lost), len(d.lost), processed, float64(processed)/(sending+d.waited).Seconds(), d.atStop, d.unprocessed, d.waited.Round(time.Millisecond))
}

// waitProcessed checks that every acknowledged webhook is stored, then
// waits up to drain for the processor to finish them (PROCESSED or
// FAILED), looking every 2 s.
func waitProcessed(dataDir string, acked []string, drain time.Duration) (drainReport, error) {
	report := drainReport{acked: len(acked)}
	started := time.Now()
	for first := true; ; first = false {
		statuses, err := storedStatuses(dataDir)
		if err != nil {
			return report, err
		}
		report.lost, report.unprocessed = nil, 0
		for _, key := range acked {
			status, stored := statuses[key]
			switch {
			case !stored:
				report.lost = append(report.lost, key)
			case status == store.StatusReceived || status == store.StatusRetry:
				report.unprocessed++
			}
		}
		report.waited = time.Since(started)
		if first {
			report.atStop = report.unprocessed
		}
		if report.unprocessed == 0 || report.waited >= drain || len(report.lost) > 0 {
			return report, nil
		}
		time.Sleep(2 * time.Second) // each look reads every stored webhook: not too often
	}
}

// storedStatuses are the status of every stored webhook, by provider/event.
func storedStatuses(dataDir string) (statuses map[string]store.Status, err error) {
	op, release, err := local.OpenOperator(dataDir)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, release()) }()
	views, err := op.Webhooks(context.Background(), store.WebhookFilter{})
	if err != nil {
		return nil, err
	}
	statuses = make(map[string]store.Status, len(views))
	for _, v := range views {
		statuses[v.Provider+"/"+v.EventID] = v.Status
	}
	return statuses, nil
}

// resources is what a run costs the machine: the data directory's size on
// disk and the resident memory of the serve it loaded ("unknown" where
// the system does not say). Resident memory counts the store's file as
// far as it is mapped in, so the anonymous part (Go's heap and stacks) is
// given apart: that is what must stay flat.
type resources struct{ disk, rss string }

func footprint(dataDir string, pid int) resources {
	r := resources{disk: "unknown", rss: "unknown"}
	var size int64
	err := filepath.WalkDir(dataDir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			size += info.Size()
		}
		return err
	})
	if err == nil {
		r.disk = fmt.Sprintf("%.1f MB", float64(size)/1e6)
	}
	if pid > 0 {
		// Linux's /proc; other systems leave it unknown.
		if status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
			fields := map[string]string{}
			for line := range strings.SplitSeq(string(status), "\n") {
				if name, value, ok := strings.Cut(line, ":"); ok {
					fields[name] = strings.TrimSpace(value)
				}
			}
			switch total, anonymous := fields["VmRSS"], fields["RssAnon"]; {
			case total != "" && anonymous != "":
				r.rss = fmt.Sprintf("%s (%s anonymous)", total, anonymous)
			case total != "": // kernels before 4.5
				r.rss = total
			}
		}
	}
	return r
}

// ownServe starts a payhook serve for bench alone, on a temporary data
// directory that stop removes with it: thousands of bench webhooks never
// land in the developer's own. It is a separate process, as a user's serve
// is, so that its memory is measured apart from the load's.
func ownServe(stdout io.Writer) (dataDir string, stop func(), err error) {
	parent, err := os.MkdirTemp("", "payhook-bench-")
	if err != nil {
		return "", nil, err
	}
	dataDir = filepath.Join(parent, "data")
	self, err := os.Executable()
	if err != nil {
		return "", nil, errors.Join(err, os.RemoveAll(parent))
	}
	logs, err := os.Create(filepath.Join(parent, "serve.log")) //nolint:gosec // G304: in the directory just made
	if err != nil {
		return "", nil, errors.Join(err, os.RemoveAll(parent))
	}
	serve := exec.CommandContext(context.Background(), self, "serve", "--addr", "127.0.0.1:0", "--data", dataDir) //nolint:gosec // G204: this very program
	serve.Stdout, serve.Stderr = logs, logs
	if err := serve.Start(); err != nil {
		return "", nil, errors.Join(err, logs.Close(), os.RemoveAll(parent))
	}
	var exitErr error
	exited := make(chan struct{})
	go func() { exitErr = serve.Wait(); close(exited) }()
	stop = func() {
		if serve.Process.Signal(syscall.SIGTERM) != nil {
			_ = serve.Process.Kill() // Windows has no SIGTERM to send
		}
		<-exited
		_ = logs.Close()         // written by serve alone
		_ = os.RemoveAll(parent) // a temporary directory: the system cleans up what this misses
	}
	// serve.json appears once serve listens; a start takes seconds on a
	// busy machine, and ends early when serve exits.
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if info, ok := local.RunningServe(dataDir); ok && info.PID == serve.Process.Pid {
			fmt.Fprintf(stdout, "payhook bench: a payhook serve of its own on %s, removed afterwards (--data DIR loads yours)\n", dataDir)
			return dataDir, stop, nil
		}
		select {
		case <-exited:
			said, _ := os.ReadFile(filepath.Join(parent, "serve.log")) //nolint:gosec // G304: bench's own file
			stop()
			return "", nil, fmt.Errorf("bench's own payhook serve stopped at start (%w): %s", exitErr, strings.TrimSpace(string(said)))
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, errors.New("bench's own payhook serve did not come up within 2 minutes")
		}
	}
}
