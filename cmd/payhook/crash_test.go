//go:build !sandbox

package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/store"
)

// crashRuns is how many times TestCrashSafety kills serve: 8, or
// PAYHOOK_CRASH_RUNS (docs/benchmarks.md, Crashes).
func crashRuns(t *testing.T) int {
	if s := os.Getenv("PAYHOOK_CRASH_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("PAYHOOK_CRASH_RUNS=%q: want a positive number", s)
		}
		return n
	}
	return 8
}

// crashSeed seeds where each run kills and tears: PAYHOOK_CRASH_SEED
// replays a failed run's.
func crashSeed(t *testing.T) uint64 {
	if s := os.Getenv("PAYHOOK_CRASH_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("PAYHOOK_CRASH_SEED=%q: want a number", s)
		}
		return n
	}
	return uint64(time.Now().UnixNano())
}

// crashSenders is how many senders deliver at once while serve is killed,
// as issue 27 found the trail breaking.
const crashSenders = 32

// crashRun is what one run saw.
type crashRun struct {
	acked int
	// ahead: the trail held records past the auditor's checkpoint when
	// serve died (the kill fell between an append and its checkpoint);
	// torn: the run then cut the trail mid-line, as a power loss can.
	ahead, torn bool
	breaks      int
}

// TestCrashSafety kills serve with SIGKILL at a random moment while 32
// senders deliver signed webhooks, sometimes also cuts the audit trail's
// unsynced tail at a random byte (a power loss mid-append), restarts
// serve on the same data directory, and checks that every acknowledged
// webhook was processed once, that the audit trail verifies (every
// change recorded exactly once, numbered by one), and that what the
// restart cut from the trail is kept beside it. At least one run must
// have killed serve with the trail ahead of its checkpoint. Each run
// starts from a new data directory; the seed is logged.
func TestCrashSafety(t *testing.T) {
	runs, seed := crashRuns(t), crashSeed(t)
	t.Logf("PAYHOOK_CRASH_SEED=%d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	var lastDir string
	var acked, ahead, torn, broken, breaks int
	// Until one run has killed serve with the trail ahead of its
	// checkpoint (about half do), runs go on, up to three times as many:
	// else none would have tested what a restart does with such a trail.
	run := 0
	for ; run < runs || (ahead == 0 && run < 3*runs); run++ {
		dir := filepath.Join(t.TempDir(), "data")
		var r crashRun
		if t.Run(fmt.Sprintf("run %d", run+1), func(t *testing.T) { r = crashOnce(t, dir, rng) }) {
			lastDir = dir
		}
		acked, breaks = acked+r.acked, breaks+r.breaks
		if r.ahead {
			ahead++
		}
		if r.torn {
			torn++
		}
		if r.breaks > 0 {
			broken++
		}
	}
	t.Logf("%d runs, %d webhooks acknowledged before the kills; the trail ran ahead of its checkpoint in %d, cut mid-line in %d; audit verify failed in %d (%d breaks)",
		run, acked, ahead, torn, broken, breaks)
	if ahead == 0 {
		t.Errorf("no run killed serve with the trail ahead of its checkpoint (PAYHOOK_CRASH_SEED=%d)", seed)
	}
	if lastDir == "" {
		return
	}
	// An edited record in a copy of an honest trail still fails.
	is := is.New(t)
	raw, err := os.ReadFile(filepath.Join(lastDir, local.AuditFile))
	is.NoErr(err)
	edited := bytes.Replace(raw, []byte(`"new_status":"PROCESSED"`), []byte(`"new_status":"FAILED"`), 1)
	is.True(!bytes.Equal(edited, raw))
	copied := filepath.Join(t.TempDir(), "edited.jsonl")
	is.NoErr(os.WriteFile(copied, edited, 0o600))
	stdout, _, code := payhook(t, "audit", "verify", "--complete", copied)
	is.Equal(code, 1)
	is.True(strings.Contains(stdout, "do not match its digest: edited"))
}

// crashOnce is one run of TestCrashSafety in dir.
func crashOnce(t *testing.T, dir string, rng *rand.Rand) crashRun {
	is := is.New(t)
	var result crashRun
	first, info := startServe(t, dir)
	dev, err := local.LoadDevSecrets(dir)
	is.NoErr(err)

	load := startLoad(t, info, dev, crashSenders)
	wait.Until(t, 30*time.Second, "a first acknowledged webhook", func() bool { return len(load.acked()) > 0 })
	time.Sleep(time.Duration(rng.Int64N(int64(1500 * time.Millisecond))))
	is.NoErr(first.Process.Signal(syscall.SIGKILL))
	first.Wait()
	acked := load.stop()
	result.acked = len(acked)

	result.ahead, result.torn = tearUnsyncedTail(t, dir, rng)

	second, info := startServe(t, dir) // same data directory, new process
	op, release, err := local.OpenOperator(dir)
	is.NoErr(err)
	ctx := context.Background()
	wait.Until(t, 60*time.Second, "every acknowledged webhook to reach PROCESSED", func() bool {
		processed, err := op.Webhooks(ctx, store.WebhookFilter{Provider: "stripe", Status: store.StatusProcessed})
		is.NoErr(err)
		done := map[string]bool{}
		for _, w := range processed {
			done[w.EventID] = true
		}
		for _, id := range acked {
			if !done[id] {
				return false
			}
		}
		return true
	})
	states, err := op.Payments(ctx)
	is.NoErr(err)
	is.NoErr(release())
	byID := map[string]payment.State{}
	for _, s := range states {
		byID[s.PaymentID] = s
	}
	for _, id := range acked {
		s := byID["pi_"+id]
		is.Equal(s.Version, int64(1)) // applied exactly once
		is.Equal(s.History, []string{id})
	}
	waitForAuditor(t, info)
	is.NoErr(second.Process.Signal(syscall.SIGTERM))
	is.NoErr(second.Wait())

	stdout, stderr, code := payhook(t, "audit", "verify", "--data", dir)
	if code != 0 {
		result.breaks = strings.Count(stdout, "\n")
		t.Errorf("audit verify after the restart: exit %d, %s\n%s", code, strings.TrimSpace(stderr), firstLines(stdout, 5))
	}
	// What the restart cut from the trail is kept beside it, and only
	// when there was something past the checkpoint to cut.
	aside, err := filepath.Glob(filepath.Join(dir, local.AuditFile+".cut-*"))
	is.NoErr(err)
	is.Equal(len(aside) == 1, result.ahead)
	inserts := webhookInserts(t, filepath.Join(dir, local.AuditFile))
	for _, id := range acked {
		if inserts[id] != 1 {
			t.Errorf("%s: %d creation records in the trail, want 1", id, inserts[id])
			break
		}
	}
	t.Logf("%d acknowledged; trail ahead of its checkpoint at the kill: %t, cut mid-line: %t", len(acked), result.ahead, result.torn)
	return result
}

// tearUnsyncedTail looks, with serve dead, at what the trail holds past
// the auditor's checkpoint: records appended whose checkpoint the kill
// prevented. Every other time it cuts that tail at a random byte, as a
// power loss would leave a file whose last writes were not yet on disk.
func tearUnsyncedTail(t *testing.T, dir string, rng *rand.Rand) (ahead, torn bool) {
	is := is.New(t)
	st, err := local.OpenStore(dir)
	is.NoErr(err)
	checkpoint, err := st.FeedCheckpoint(local.AuditorConsumer)
	is.NoErr(err)
	is.NoErr(st.Close())
	path := filepath.Join(dir, local.AuditFile)
	raw, err := os.ReadFile(path)
	is.NoErr(err)
	synced := 0 // the end of the last record at or before the checkpoint
	for offset := 0; offset < len(raw); {
		end := bytes.IndexByte(raw[offset:], '\n')
		if end < 0 {
			break
		}
		if sequenceOf(raw[offset:offset+end]) > checkpoint {
			break
		}
		offset += end + 1
		synced = offset
	}
	if synced == len(raw) {
		return false, false
	}
	if rng.IntN(2) == 0 {
		return true, false
	}
	cut := synced + 1 + rng.IntN(len(raw)-synced)
	is.NoErr(os.Truncate(path, int64(cut)))
	return true, raw[cut-1] != '\n'
}

// sequenceOf is a trail line's change sequence, or 0.
func sequenceOf(line []byte) uint64 {
	var l struct {
		Audit struct {
			SequenceNumber string `json:"sequence_number"`
		} `json:"audit"`
	}
	if json.Unmarshal(line, &l) != nil {
		return 0
	}
	n, _ := strconv.ParseUint(l.Audit.SequenceNumber, 10, 64)
	return n
}

// webhookInserts counts each webhook's creation records in a trail.
func webhookInserts(t *testing.T, path string) map[string]int {
	f, err := os.Open(path)
	is.New(t).NoErr(err)
	defer f.Close()
	counts := map[string]int{}
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 64<<10), 1<<20)
	for scanner.Scan() {
		var l struct {
			Audit struct {
				EventName string `json:"event_name"`
				Kind      string `json:"kind"`
				EventID   string `json:"event_id"`
			} `json:"audit"`
		}
		if json.Unmarshal(scanner.Bytes(), &l) == nil && l.Audit.EventName == "INSERT" && l.Audit.Kind == "webhook" {
			counts[l.Audit.EventID]++
		}
	}
	is.New(t).NoErr(scanner.Err())
	return counts
}

// waitForAuditor waits until serve's auditor has audited every change.
func waitForAuditor(t *testing.T, info local.ServeInfo) {
	t.Helper()
	wait.Until(t, 60*time.Second, "the auditor to catch up", func() bool {
		resp, err := http.Get(info.AdminURL + local.MetricsPath)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		metrics, _ := io.ReadAll(resp.Body)
		return bytes.Contains(metrics, []byte(`payhook_feed_lag_records{consumer="auditor"} 0`+"\n"))
	})
}

// serveUnderLoad starts serve on dir and senders delivering to it, and
// waits until acked deliveries are acknowledged.
func serveUnderLoad(t *testing.T, dir string, senders, acked int) (*exec.Cmd, *load) {
	t.Helper()
	cmd, info := startServe(t, dir)
	dev, err := local.LoadDevSecrets(dir)
	if err != nil {
		t.Fatal(err)
	}
	l := startLoad(t, info, dev, senders)
	wait.Until(t, 30*time.Second, fmt.Sprintf("%d acknowledged webhooks", acked), func() bool { return len(l.acked()) >= acked })
	return cmd, l
}

// load sends signed Stripe deliveries to a serve from several senders at
// once, each with an event id of its own, and keeps the ids acknowledged.
type load struct {
	mu       sync.Mutex
	ids      []string
	sequence int
	done     chan struct{}
	senders  sync.WaitGroup
}

func startLoad(t *testing.T, info local.ServeInfo, dev local.DevSecrets, senders int) *load {
	l := &load{done: make(chan struct{})}
	client := &http.Client{Timeout: 5 * time.Second}
	for range senders {
		l.senders.Go(func() {
			for {
				select {
				case <-l.done:
					return
				default:
				}
				l.mu.Lock()
				l.sequence++
				id := fmt.Sprintf("evt_load_%06d", l.sequence)
				l.mu.Unlock()
				body, _, _ := samples.Build("stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: id, PaymentID: "pi_" + id})
				signed, _ := samples.Sign("stripe", body, dev.Keys, id, time.Now())
				req, _ := http.NewRequest(http.MethodPost, info.URL+"/webhook/stripe", bytes.NewReader(signed.Body))
				req.Header = signed.Header
				resp, err := client.Do(req)
				if err != nil {
					continue // serve is down: not acknowledged
				}
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					l.mu.Lock()
					l.ids = append(l.ids, id)
					l.mu.Unlock()
				}
			}
		})
	}
	t.Cleanup(func() { l.stop() })
	return l
}

// acked is what was acknowledged so far.
func (l *load) acked() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.ids)
}

// stop stops the senders and returns what was acknowledged.
func (l *load) stop() []string {
	l.mu.Lock()
	select {
	case <-l.done:
	default:
		close(l.done)
	}
	l.mu.Unlock()
	l.senders.Wait()
	return l.acked()
}

// firstLines is up to n lines of s.
func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}
