// Command abbench measures two builds of payhook serve against each other
// and against what this machine can do at all, in one run: round after
// round, a server that only verifies each delivery's signature (the
// ceiling), then serve A, then serve B, each on a fresh data directory,
// each loaded by the same `payhook bench`. Figures are ratios to the
// ceiling of the same round, so that a machine shared with other work
// moves both sides of each ratio (docs/benchmarks.md).
//
//	go build -o /tmp/a ./cmd/payhook            # at the commit before
//	go build -o /tmp/b ./cmd/payhook            # at the commit after
//	go run ./tools/abbench -a /tmp/a -b /tmp/b [-rounds 2] [-senders 64] [-duration 8s]
//	go run ./tools/abbench -a /tmp/a -b /tmp/a -b-env GOGC=200     # a setting, not a build
//	go run ./tools/abbench -a /tmp/a -receive                      # receiving alone instead of B
//	go run ./tools/abbench -a /tmp/a -profile /tmp/serve.pprof          # a CPU profile of A under the load
//
// For each run it reports acknowledged webhooks a second, latency
// percentiles, how long after sending stopped the change feed was fully
// consumed (every webhook PROCESSED, every change audited), and the
// server's CPU per acknowledged webhook up to then, from /proc.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

type options struct {
	a, b, bench      string
	aEnv, bEnv       string
	receive, ceiling bool
	rounds, senders  int
	rate, requests   int
	duration, settle time.Duration
	providers        string
	profile          string
	profileSeconds   int
	keep             bool
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		if err := serveAlone(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "abbench serve:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.StringVar(&o.a, "a", "", "payhook binary A (before)")
	flag.StringVar(&o.b, "b", "", "payhook binary B (after); none with -receive or -profile")
	flag.StringVar(&o.bench, "bench", "", "payhook binary whose bench loads every server (default: A)")
	flag.StringVar(&o.aEnv, "a-env", "", "environment for serve A, e.g. GOGC=200 (space-separated)")
	flag.StringVar(&o.bEnv, "b-env", "", "environment for serve B")
	flag.BoolVar(&o.receive, "receive", false, "measure receiving alone (the receiver and a durable store, no pipeline) beside A")
	flag.BoolVar(&o.ceiling, "ceiling", true, "measure the signature-only ceiling each round")
	flag.IntVar(&o.rounds, "rounds", 2, "rounds of ceiling, A, B")
	flag.IntVar(&o.senders, "senders", 64, "closed loop: senders (bench --concurrency)")
	flag.IntVar(&o.rate, "rate", 0, "open loop: deliveries a second (bench --rate) instead of senders")
	flag.IntVar(&o.requests, "requests", 60000, "deliveries prepared for a closed loop")
	flag.DurationVar(&o.duration, "duration", 8*time.Second, "sending time per run")
	flag.DurationVar(&o.settle, "settle", 60*time.Second, "how long to wait, after sending, for the feed to be consumed")
	flag.StringVar(&o.providers, "providers", "stripe", "bench --providers")
	flag.StringVar(&o.profile, "profile", "", "write a CPU profile of serve A under the load to this file, and measure nothing else")
	flag.IntVar(&o.profileSeconds, "profile-seconds", 25, "the profile's length (the admin listener allows up to 29)")
	flag.BoolVar(&o.keep, "keep", false, "keep the data directories")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "abbench:", err)
		os.Exit(1)
	}
}

// variant is one server under measurement.
type variant struct {
	name string
	// command starts it on dir and addr.
	command func(dir, addr string) *exec.Cmd
}

func run(o options) error {
	if o.a == "" {
		return errors.New("give -a")
	}
	if o.bench == "" {
		o.bench = o.a
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	servePayhook := func(bin, env string) func(dir, addr string) *exec.Cmd {
		return func(dir, addr string) *exec.Cmd {
			cmd := exec.Command(bin, "serve", "--data", dir, "--addr", addr)
			cmd.Env = append(os.Environ(), strings.Fields(env)...)
			return cmd
		}
	}
	alone := func(mode string) func(dir, addr string) *exec.Cmd {
		return func(dir, addr string) *exec.Cmd { return exec.Command(self, "serve", mode, dir, addr) }
	}
	a := variant{"A", servePayhook(o.a, o.aEnv)}
	if o.profile != "" {
		return profile(o, a)
	}
	var variants []variant
	if o.ceiling {
		variants = append(variants, variant{"ceiling", alone("ceiling")})
	}
	variants = append(variants, a)
	switch {
	case o.receive:
		variants = append(variants, variant{"receiving", alone("receive")})
	case o.b != "":
		variants = append(variants, variant{"B", servePayhook(o.b, o.bEnv)})
	}
	work, err := os.MkdirTemp("", "abbench-")
	if err != nil {
		return err
	}
	if !o.keep {
		defer func() { _ = os.RemoveAll(work) }()
	}
	fmt.Printf("abbench: %s; %d rounds of %s, %s each, providers %s\n", load(o), o.rounds, names(variants), o.duration, o.providers)
	results := map[string][]measurement{}
	for round := 1; round <= o.rounds; round++ {
		for _, v := range variants {
			m, err := measure(o, v, filepath.Join(work, fmt.Sprintf("%d-%s", round, v.name)))
			if err != nil {
				return fmt.Errorf("round %d, %s: %w", round, v.name, err)
			}
			fmt.Printf("round %d %-9s %s\n", round, v.name, m)
			results[v.name] = append(results[v.name], m)
		}
	}
	fmt.Println()
	report(results, variants)
	return nil
}

func load(o options) string {
	if o.rate > 0 {
		return fmt.Sprintf("%d deliveries/s open loop", o.rate)
	}
	return fmt.Sprintf("%d senders closed loop", o.senders)
}

func names(vs []variant) string {
	var n []string
	for _, v := range vs {
		n = append(n, v.name)
	}
	return strings.Join(n, ", ")
}

// measurement is one run of one server.
type measurement struct {
	acked                           int
	perSecond                       float64
	p50, p95, p99                   time.Duration
	errors, lost, unprocessedAtStop int
	// consumed is how long after sending stopped the feed was consumed;
	// -1 when it was not within -settle (or the server has no feed).
	consumed time.Duration
	// cpuPerWebhook is the server's CPU from the start of the load to the
	// feed consumed (or to sending stopped, without a feed), per acked.
	cpuPerWebhook time.Duration
	// memory is the server's anonymous memory (its heap and stacks, not
	// the store's mapped file) before the load, when sending stopped and
	// at the end; disk the data directory's size at the end.
	memory [3]string
	disk   int64
}

func (m measurement) String() string {
	consumed := "n/a"
	if m.consumed >= 0 {
		consumed = m.consumed.Round(100 * time.Millisecond).String()
	}
	return fmt.Sprintf("%6.0f acked/s  p50 %5.1fms  p95 %5.1fms  p99 %5.1fms  lost %d  errors %d  unprocessed at stop %d  consumed after %s  CPU %.3f ms/webhook  memory %s  data %.1f MB",
		m.perSecond, ms(m.p50), ms(m.p95), ms(m.p99), m.lost, m.errors, m.unprocessedAtStop, consumed, ms(m.cpuPerWebhook), strings.Join(m.memory[:], " → "), float64(m.disk)/1e6)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// started is a server started for one run.
type started struct {
	cmd              *exec.Cmd
	url, metricsURL  string
	adminURL, token  string
	hasFeed, payhook bool
}

func start(v variant, dir string) (*started, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := v.command(dir, addr)
	logFile, err := os.Create(dir + ".log")
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &started{cmd: cmd, url: "http://" + addr}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get(s.url + "/healthz"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			return nil, fmt.Errorf("%s did not answer on %s (see %s.log)", v.name, addr, dir)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if raw, err := os.ReadFile(filepath.Join(dir, "serve.json")); err == nil {
		var info struct {
			AdminURL string `json:"admin_url"`
			Token    string `json:"token"`
		}
		if err := json.Unmarshal(raw, &info); err != nil {
			return nil, err
		}
		s.adminURL, s.token, s.metricsURL, s.hasFeed, s.payhook = info.AdminURL, info.Token, info.AdminURL+"/metrics", true, true
	}
	return s, nil
}

func (s *started) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// benchCommand is payhook bench against s, with no drain: the run waits
// for the feed itself, without bench's listings loading the server.
func benchCommand(o options, s *started, dir string, duration time.Duration) *exec.Cmd {
	args := []string{"bench", "--data", dir, "--url", s.url, "--duration", duration.String(), "--providers", o.providers, "--drain", "0s"}
	if o.rate > 0 {
		args = append(args, "--rate", strconv.Itoa(o.rate))
	} else {
		args = append(args, "--concurrency", strconv.Itoa(o.senders), "--requests", strconv.Itoa(o.requests))
	}
	return exec.Command(o.bench, args...)
}

var (
	throughputLine = regexp.MustCompile(`throughput (\d+) acknowledged/s`)
	sentLine       = regexp.MustCompile(`sent (\d+) in [0-9.]+s: 2xx (\d+), 4xx (\d+), 5xx (\d+), errors (\d+)`)
	latencyLine    = regexp.MustCompile(`p50 ([0-9.]+)ms\s+p95 ([0-9.]+)ms\s+p99 ([0-9.]+)ms`)
	lostLine       = regexp.MustCompile(`acknowledged \d+, stored \d+, lost (\d+)`)
	unprocLine     = regexp.MustCompile(`unprocessed: (\d+) when sending stopped`)
)

func measure(o options, v variant, dir string) (measurement, error) {
	m := measurement{consumed: -1}
	s, err := start(v, dir)
	if err != nil {
		return m, err
	}
	defer s.stop()
	cmd := benchCommand(o, s, dir, o.duration)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return m, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return m, err
	}
	var cpuStart time.Duration
	var stopped time.Time
	var output strings.Builder
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		line := lines.Text()
		output.WriteString(line + "\n")
		switch {
		case strings.HasPrefix(line, "payhook bench:"): // signed, about to send
			cpuStart = cpuOf(s.cmd.Process.Pid)
			m.memory[0] = anonymousMemory(s.cmd.Process.Pid)
		case throughputLine.MatchString(line):
			stopped = time.Now()
			m.memory[1] = anonymousMemory(s.cmd.Process.Pid)
			if !s.hasFeed {
				m.cpuPerWebhook = cpuOf(s.cmd.Process.Pid) - cpuStart
			}
		}
	}
	waitErr := cmd.Wait()
	text := output.String()
	if err := parse(text, &m); err != nil {
		return m, fmt.Errorf("%w: bench said:\n%s%s", err, text, stderr.String())
	}
	if waitErr != nil && s.payhook {
		return m, fmt.Errorf("bench failed: %w\n%s%s", waitErr, text, stderr.String())
	}
	if s.hasFeed {
		for time.Since(stopped) < o.settle {
			if lag, err := feedLag(s.metricsURL); err == nil && lag == 0 {
				m.consumed = time.Since(stopped)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		m.cpuPerWebhook = cpuOf(s.cmd.Process.Pid) - cpuStart
	}
	m.memory[2], m.disk = anonymousMemory(s.cmd.Process.Pid), dirSize(dir)
	if m.acked > 0 {
		m.cpuPerWebhook /= time.Duration(m.acked)
	}
	return m, nil
}

func parse(text string, m *measurement) error {
	sent := sentLine.FindStringSubmatch(text)
	latency := latencyLine.FindStringSubmatch(text)
	throughput := throughputLine.FindStringSubmatch(text)
	if sent == nil || latency == nil || throughput == nil {
		return errors.New("no summary from bench")
	}
	m.acked, _ = strconv.Atoi(sent[2])
	fivexx, _ := strconv.Atoi(sent[4])
	errs, _ := strconv.Atoi(sent[5])
	m.errors = fivexx + errs
	m.perSecond, _ = strconv.ParseFloat(throughput[1], 64)
	for i, d := range []*time.Duration{&m.p50, &m.p95, &m.p99} {
		f, _ := strconv.ParseFloat(latency[i+1], 64)
		*d = time.Duration(f * float64(time.Millisecond))
	}
	if l := lostLine.FindStringSubmatch(text); l != nil {
		m.lost, _ = strconv.Atoi(l[1])
	}
	if u := unprocLine.FindStringSubmatch(text); u != nil {
		m.unprocessedAtStop, _ = strconv.Atoi(u[1])
	}
	return nil
}

var lagLine = regexp.MustCompile(`(?m)^payhook_feed_lag_records\{[^}]*\} (\S+)$`)

// feedLag sums every consumer's records behind, from serve's metrics.
func feedLag(metricsURL string) (float64, error) {
	resp, err := http.Get(metricsURL) //nolint:gosec // G107: the server this run started
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	found := lagLine.FindAllSubmatch(body, -1)
	if len(found) == 0 {
		return 0, errors.New("no feed lag in the metrics")
	}
	total := 0.0
	for _, f := range found {
		v, err := strconv.ParseFloat(string(f[1]), 64)
		if err != nil {
			return 0, err
		}
		total += v
	}
	return total, nil
}

// cpuOf is a process's CPU time, user and system, from /proc (in
// hundredths of a second: Linux's USER_HZ).
func cpuOf(pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	if len(fields) < 13 {
		return 0
	}
	user, _ := strconv.Atoi(fields[11])
	system, _ := strconv.Atoi(fields[12])
	return time.Duration(user+system) * 10 * time.Millisecond
}

// anonymousMemory is a process's RssAnon from /proc.
func anonymousMemory(pid int) string {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?"
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if value, ok := strings.CutPrefix(line, "RssAnon:"); ok {
			return strings.Join(strings.Fields(value), " ")
		}
	}
	return "?"
}

func dirSize(dir string) int64 {
	var size int64
	_ = filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				size += info.Size()
			}
		}
		return nil
	})
	return size
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String(), nil
}

// report prints each variant's medians, and A's and B's ratios to the
// ceiling of the same round.
func report(results map[string][]measurement, variants []variant) {
	ceiling := results["ceiling"]
	fmt.Println("| server | acknowledged/s | vs ceiling, each round | p99 | consumed after stop | CPU per webhook |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, v := range variants {
		runs := results[v.name]
		var perSecond, p99, cpu []string
		var ratios []string
		consumed := []string{}
		for i, m := range runs {
			perSecond = append(perSecond, fmt.Sprintf("%.0f", m.perSecond))
			p99 = append(p99, fmt.Sprintf("%.1f ms", ms(m.p99)))
			cpu = append(cpu, fmt.Sprintf("%.3f ms", ms(m.cpuPerWebhook)))
			if m.consumed >= 0 {
				consumed = append(consumed, m.consumed.Round(100*time.Millisecond).String())
			} else if v.name == "A" || v.name == "B" {
				consumed = append(consumed, "not within -settle")
			}
			if i < len(ceiling) && ceiling[i].perSecond > 0 {
				ratios = append(ratios, fmt.Sprintf("%.2f", m.perSecond/ceiling[i].perSecond))
			}
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s |\n", v.name, strings.Join(perSecond, " / "), strings.Join(ratios, " / "),
			strings.Join(p99, " / "), strings.Join(slices.DeleteFunc(consumed, func(s string) bool { return s == "" }), " / "), strings.Join(cpu, " / "))
	}
}

// profile loads serve A as a measurement would and writes a CPU profile
// of it, taken from its admin API while the load runs.
func profile(o options, a variant) error {
	work, err := os.MkdirTemp("", "abbench-profile-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(work) }()
	dir := filepath.Join(work, "data")
	s, err := start(a, dir)
	if err != nil {
		return err
	}
	defer s.stop()
	sending := time.Duration(o.profileSeconds+10) * time.Second
	if o.rate == 0 {
		o.requests = max(o.requests, 10000*int(sending.Seconds()))
	}
	cmd := benchCommand(o, s, dir, sending)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	lines := bufio.NewScanner(stdout)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "payhook bench:") {
	}
	time.Sleep(3 * time.Second) // past the start
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, fmt.Sprintf("%s/admin/debug/pprof/profile?seconds=%d", s.adminURL, o.profileSeconds), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the profile: HTTP %d: %s", resp.StatusCode, body)
	}
	for lines.Scan() {
	}
	_ = cmd.Wait()
	if err := os.WriteFile(o.profile, body, 0o644); err != nil {
		return err
	}
	fmt.Printf("abbench: %d bytes of CPU profile of %s under %s written to %s\n", len(body), o.a, load(o), o.profile)
	return nil
}
