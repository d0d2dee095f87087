// Command redrivebench measures a bulk redrive's memory: it fills a fresh
// data directory with dead-lettered webhooks (FAILED, each named on the
// dead-letter queue, as the processor leaves them), redrives them with
// payhook redrive --status failed, and reports the resident memory of the
// process that did the work. Directly, the CLI does it on the store;
// through serve, serve's admin API does it and its processor then takes
// every webhook back to PROCESSED. Runs of several sizes in one go give
// the ratio that says whether memory is bounded by the backlog:
//
//	go run ./tools/redrivebench -count 10000,100000
//
// Linux only: memory is read from /proc and wait4's rusage.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
)

func main() {
	counts := flag.String("count", "100000", "dead-lettered webhooks to redrive, comma-separated for several runs")
	binary := flag.String("payhook", "", "the payhook binary (default: built from ./cmd/payhook)")
	modes := flag.String("mode", "direct,serve", "direct (the CLI on the store), serve (through serve's admin API, then processed), or both")
	flag.Parse()
	if err := run(*counts, *binary, *modes); err != nil {
		fmt.Fprintln(os.Stderr, "redrivebench:", err)
		os.Exit(1)
	}
}

func run(counts, binary, modes string) error {
	work, err := os.MkdirTemp("", "redrivebench-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(work) }() // a temporary directory
	if binary == "" {
		binary = filepath.Join(work, "payhook")
		if out, err := exec.Command("go", "build", "-o", binary, "./cmd/payhook").CombinedOutput(); err != nil {
			return fmt.Errorf("build payhook: %w\n%s", err, out)
		}
	}
	fmt.Println("| webhooks | mode | redrive took | the working process's RSS: before → peak → after | its anonymous part (Go heap, stacks): before → peak → after | processed |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, c := range strings.Split(counts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			return fmt.Errorf("-count: %q is not a number of webhooks", c)
		}
		for _, mode := range strings.Split(modes, ",") {
			dir := filepath.Join(work, fmt.Sprintf("%s-%d", mode, n))
			if err := seed(dir, n); err != nil {
				return err
			}
			var row string
			switch strings.TrimSpace(mode) {
			case "direct":
				row, err = direct(binary, dir, n)
			case "serve":
				row, err = throughServe(binary, dir, n)
			default:
				return fmt.Errorf("-mode: %q is neither direct nor serve", mode)
			}
			if err != nil {
				return fmt.Errorf("%d webhooks, %s: %w", n, mode, err)
			}
			fmt.Println(row)
			if err := os.RemoveAll(dir); err != nil {
				return err
			}
		}
	}
	return nil
}

// seed fills dir with n FAILED webhooks (Square payment updates, each of
// its own payment) and a dead-letter message naming each, 1000 a commit.
func seed(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	st, err := embedded.Open(filepath.Join(dir, local.DBFile), embedded.Options{NoSync: true})
	if err != nil {
		return err
	}
	ctx := context.Background()
	at := time.Now().UTC().Add(-time.Hour)
	for done := 0; done < n; {
		batch := make([]store.Webhook, 0, 1000)
		for ; done < n && len(batch) < cap(batch); done++ {
			id := fmt.Sprintf("failed-%07d", done)
			body, _, err := samples.Build("square", "payment.updated", provider.SampleOptions{EventID: id, PaymentID: "pay-" + id, At: at})
			if err != nil {
				return errors.Join(err, st.Close())
			}
			batch = append(batch, store.Webhook{Provider: "square", EventID: id, EventType: "payment.updated", Body: body, ReceivedAt: at, OccurredAt: at,
				Status: store.StatusFailed, Attempts: 1, LastError: "a mapping bug, since fixed", ExpiresAt: at.Add(store.DefaultRetention), UpdatedBy: store.ByProcessor, UpdatedAt: at})
		}
		if _, err := st.PutWebhooks(ctx, batch); err != nil {
			return errors.Join(err, st.Close())
		}
		err := st.InTransaction(ctx, local.ProcessorConsumer, func(_ store.Processing, dlq deadletter.Queue) error {
			for _, w := range batch {
				body, err := json.Marshal(deadletter.Failure{Provider: w.Provider, EventID: w.EventID, Reason: w.LastError})
				if err != nil {
					return err
				}
				if err := dlq.Send(ctx, body); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return errors.Join(err, st.Close())
		}
	}
	return st.Close()
}

// direct runs the redrive with no serve: the CLI opens the store and does
// the work, so its own memory is the one that counts: its peak (wait4's
// maxrss) and, sampled while it runs, its anonymous part's.
func direct(binary, dir string, n int) (string, error) {
	started := time.Now()
	out, cli, err := redrive(binary, dir)
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(out, fmt.Sprintf("%d redriven", n)) {
		return "", fmt.Errorf("redrive said: %s", out)
	}
	return fmt.Sprintf("| %d | the CLI on the store | %s | peak %d MB | peak %d MB | (serve not running) |",
		n, time.Since(started).Round(100*time.Millisecond), cli.peak/1024, cli.anon/1024), nil
}

// redrive runs payhook redrive --status failed --rate 0 on dir, and says
// what it printed and its peak memory (kB).
func redrive(binary, dir string) (string, usage, error) {
	cmd := exec.Command(binary, "redrive", "--status", "failed", "--rate", "0", "--data", dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return "", usage{}, err
	}
	var peak usage
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			peak.anon = max(peak.anon, memory(cmd.Process.Pid).anon)
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	err := cmd.Wait()
	close(stop)
	<-stopped
	if err != nil {
		return "", usage{}, fmt.Errorf("payhook redrive: %w: %s", err, stderr.String())
	}
	rusage, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if rusage == nil {
		return "", usage{}, errors.New("no rusage on this system")
	}
	peak.peak = int(rusage.Maxrss)
	return stdout.String(), peak, nil
}

// throughServe starts serve, lets it read the seeded feed, then has it
// redrive everything and process it, sampling its memory throughout.
func throughServe(binary, dir string, n int) (string, error) {
	logs, err := os.Create(filepath.Join(filepath.Dir(dir), filepath.Base(dir)+".log"))
	if err != nil {
		return "", err
	}
	defer func() { _ = logs.Close() }() // serve's log, read by no one here
	serve := exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--data", dir)
	serve.Stdout, serve.Stderr = logs, logs
	if err := serve.Start(); err != nil {
		return "", err
	}
	defer func() { _ = serve.Process.Signal(syscall.SIGTERM); _ = serve.Wait() }()
	var info local.ServeInfo
	if err := until(2*time.Minute, func() bool {
		running, ok := local.RunningServe(dir)
		info = running
		return ok
	}); err != nil {
		return "", errors.New("serve did not come up")
	}
	pid := serve.Process.Pid
	metrics := info.AdminURL + local.MetricsPath
	// The seeded feed is read first (the auditor records every webhook).
	if err := until(10*time.Minute, func() bool { return lagOf(metrics) == 0 }); err != nil {
		return "", errors.New("serve did not catch up with the seeded feed")
	}
	before := memory(pid)
	// Linux: "5" resets the peak (VmHWM) to the current size, so the peak
	// read afterwards is the redrive's and the drain's.
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		return "", fmt.Errorf("reset serve's peak: %w", err)
	}
	peakAnon := before.anon
	sampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-sampling:
				return
			case <-time.After(100 * time.Millisecond):
				peakAnon = max(peakAnon, memory(pid).anon)
			}
		}
	}()
	started := time.Now()
	out, _, err := redrive(binary, dir)
	if err != nil {
		close(sampling)
		return "", err
	}
	redriven := time.Since(started)
	op := operate.Remote{URL: info.AdminURL, Token: info.Token}
	left := func(status store.Status) int {
		page, err := op.Events(context.Background(), operate.Filter{Status: status}, operate.Page{Limit: 1})
		if err != nil {
			return -1
		}
		return len(page.Events)
	}
	err = until(30*time.Minute, func() bool {
		return lagOf(metrics) == 0 && left(store.StatusRetry) == 0 && left(store.StatusFailed) == 0
	})
	drained := time.Since(started)
	close(sampling)
	<-sampled
	if err != nil {
		return "", errors.New("serve did not process every redriven webhook")
	}
	after := memory(pid)
	if !strings.HasPrefix(out, fmt.Sprintf("%d redriven", n)) {
		return "", fmt.Errorf("redrive said: %s", out)
	}
	return fmt.Sprintf("| %d | through serve, then processed | %s (all PROCESSED after %s) | %d → %d → %d MB | %d → %d → %d MB | %d |",
		n, redriven.Round(100*time.Millisecond), drained.Round(time.Second), before.rss/1024, after.peak/1024, after.rss/1024,
		before.anon/1024, peakAnon/1024, after.anon/1024, n), nil
}

// kB figures from /proc/<pid>/status.
type usage struct{ rss, anon, peak int }

func memory(pid int) usage {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return usage{}
	}
	defer func() { _ = f.Close() }() // read only
	var u usage
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		name, value, _ := strings.Cut(scanner.Text(), ":")
		kB, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(value), " kB"))
		switch name {
		case "VmRSS":
			u.rss = kB
		case "RssAnon":
			u.anon = kB
		case "VmHWM":
			u.peak = kB
		}
	}
	return u
}

// lagOf is the records the feed's consumers have yet to read, -1 when
// the metrics do not say.
func lagOf(metrics string) int {
	resp, err := http.Get(metrics) //nolint:gosec // G107: serve's own loopback metrics
	if err != nil {
		return -1
	}
	defer func() { _ = resp.Body.Close() }() // read only
	total, found := 0, false
	scanner := bufio.NewScanner(resp.Body)
	for scanner.Scan() {
		line := scanner.Text()
		if !strings.HasPrefix(line, "payhook_feed_lag_records{") {
			continue
		}
		fields := strings.Fields(line)
		n, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err != nil {
			return -1
		}
		total, found = total+int(n), true
	}
	if !found {
		return -1
	}
	return total
}

func until(limit time.Duration, done func() bool) error {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if done() {
			return nil
		}
	}
	return errors.New("timed out")
}
