//go:build !sandbox

package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/store"
)

var binary string

// releaseLDFlags link payhook as .goreleaser.yaml links a release
// (TestTheTestedCLIIsTheRelease checks the two agree), with a release's
// values. With PAYHOOK_TEST_SHIPPED=1 (testenv.Shipped) payhook is also
// compiled as a release is, static and with -trimpath: exactly what ships.
const releaseLDFlags = "-s -w -X main.version=1.4.0 -X main.commit=9f2c1e0d -X main.date=2026-12-01T10:00:00Z"

// TestMain builds payhook once; every test runs it as a separate process.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "payhook-cli-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "payhook")
	build := exec.Command("go", "build", "-ldflags", releaseLDFlags, "-o", binary, ".")
	if testenv.Shipped() {
		build.Args = append(build.Args[:2], append([]string{"-trimpath"}, build.Args[2:]...)...)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
	}
	var out []byte
	if err := testenv.ShippedBuild(func() error {
		out, err = build.CombinedOutput()
		return err
	}); err != nil {
		fmt.Fprintf(os.Stderr, "build payhook: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// payhook runs a command to completion.
func payhook(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return payhookWithEnv(t, nil, args...)
}

// payhookWithEnv runs a command with env added to its environment.
func payhookWithEnv(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(cleanEnv(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out.String(), errOut.String(), exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("payhook %v: %v", args, err)
	}
	return out.String(), errOut.String(), 0
}

// cleanEnv drops any PAYHOOK_* the machine has, so tests use their own.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PAYHOOK_") {
			env = append(env, kv)
		}
	}
	return env
}

// startServe runs payhook serve on dataDir, with env added to its
// environment, until the test ends.
func startServe(t *testing.T, dataDir string, env ...string) (*exec.Cmd, local.ServeInfo) {
	t.Helper()
	return startServeWith(t, dataDir, nil, env...)
}

// startServeWith is startServe with more flags.
func startServeWith(t *testing.T, dataDir string, flags []string, env ...string) (*exec.Cmd, local.ServeInfo) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dataDir}, flags...)...)
	cmd.Env = append(cleanEnv(), env...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	var info local.ServeInfo
	wait.Until(t, 20*time.Second, "serve to come up", func() bool {
		running, ok := local.RunningServe(dataDir)
		info = running
		return ok && running.PID == cmd.Process.Pid
	})
	return cmd, info
}

func TestDemoTellsItsStoryAndExitsZero(t *testing.T) {
	is := is.New(t)
	stdout, stderr, code := payhook(t, "demo")
	is.Equal(code, 0)
	is.Equal(stderr, "")
	is.True(strings.Contains(stdout, "every outcome was the expected one"))
	is.True(strings.Contains(stdout, "redriven: square/demo-poison-event"))
	is.True(!strings.Contains(stdout, "✗"))
}

func TestServeSendEventsPaymentsWhileServing(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	serveCmd, _ := startServe(t, dir)
	sent := map[string]string{
		"stripe": "payment_intent.succeeded", "paypal": "PAYMENT.CAPTURE.COMPLETED",
		"square": "payment.updated", "standard": "payment.succeeded",
	}
	for name, eventType := range sent {
		stdout, stderr, code := payhook(t, "send", name, eventType, "--payment-id", "pay-"+name, "--data", dir)
		is.Equal(code, 0)
		is.Equal(stderr, "")
		is.True(strings.Contains(stdout, "→ 200"))
	}
	var states []payment.State
	wait.Until(t, 15*time.Second, "four payments", func() bool {
		stdout, _, code := payhook(t, "payments", "--json", "--data", dir)
		is.Equal(code, 0)
		is.NoErr(json.Unmarshal([]byte(stdout), &states))
		return len(states) == 4
	})
	for _, s := range states {
		is.Equal(s.Status, payment.StatusSucceeded)
		is.Equal(s.PaymentID, "pay-"+s.Provider)
	}
	views := eventsJSON(t, "--status", "processed", "--data", dir)
	is.Equal(len(views), 4)
	for _, v := range views {
		is.Equal(v.EventType, sent[v.Provider])
	}
	is.True(serveCmd.ProcessState == nil) // all of it while serve was running

	_, stderr, code := payhook(t, "serve", "--addr", "127.0.0.1:0", "--data", dir)
	is.Equal(code, 1) // a second serve on the same data directory is refused
	is.Equal(stderr, "payhook serve: data directory "+dir+" is in use by another payhook process\n")

	is.NoErr(serveCmd.Process.Signal(syscall.SIGTERM))
	is.NoErr(serveCmd.Wait())            // a clean stop exits 0
	views = eventsJSON(t, "--data", dir) // and then straight from the file
	is.Equal(len(views), 4)
}

// eventsJSON runs payhook events --json and reads its page's events.
func eventsJSON(t *testing.T, args ...string) []operate.WebhookView {
	t.Helper()
	stdout, stderr, code := payhook(t, append([]string{"events", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("payhook events %v: %s", args, stderr)
	}
	var page operate.EventPage
	if err := json.Unmarshal([]byte(stdout), &page); err != nil {
		t.Fatal(err)
	}
	return page.Events
}

func TestEveryCommandHasHelpAndOneLineErrors(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "file")
	is.New(t).NoErr(os.WriteFile(notADir, []byte("x"), 0o600))
	for _, command := range []string{"demo", "serve", "send", "events", "events show", "payments", "payments show", "redrive", "resend", "console", "reconcile", "forward status", "audit verify", "check", "backup", "restore", "bench", "smoke", "version", "completion"} {
		t.Run(command, func(t *testing.T) {
			is := is.New(t)
			words := strings.Fields(command)
			stdout, _, code := payhook(t, append(words, "--help")...)
			is.Equal(code, 0)
			is.True(strings.HasPrefix(stdout, "Usage: payhook "+command))

			_, stderr, code := payhook(t, append(words, "--no-such-flag")...)
			is.Equal(code, 2)
			is.Equal(strings.Count(stderr, "\n"), 1)
			is.True(strings.HasPrefix(stderr, "payhook "+command+": "))
		})
	}
	for _, args := range [][]string{
		{"serve", "--data", filepath.Join(notADir, "sub")},
		{"events", "--data", notADir},
		{"payments", "--data", filepath.Join(t.TempDir(), "missing")},
		{"redrive", "--all", "--data", notADir},
	} {
		is := is.New(t)
		_, stderr, code := payhook(t, args...)
		is.True(code != 0)
		is.Equal(strings.Count(stderr, "\n"), 1)
		is.True(strings.Contains(stderr, "data directory"))
	}
	_, stderr, code := payhook(t, "frobnicate")
	is.New(t).Equal(code, 2)
	is.New(t).True(strings.Contains(stderr, "unknown command"))
	stdout, _, code := payhook(t) // no command: the list, and a usage exit
	is.New(t).Equal(code, 2)
	is.New(t).True(strings.Contains(stdout, "Run \"payhook <command> --help\""))
	stdout, _, code = payhook(t, "--help")
	is.New(t).Equal(code, 0)
	is.New(t).True(strings.Contains(stdout, "  version "))
}

// TestFlagErrorsNameTheFlagAndWhatItWants: one style for every mistake,
// one line naming the flag, the value given and what it accepts, exit 2,
// nothing on stdout; and each command accepts its own flags only.
func TestFlagErrorsNameTheFlagAndWhatItWants(t *testing.T) {
	for args, want := range map[string]string{
		"events --stuck soon":                                                                      "payhook events: --stuck soon: a positive duration such as 15m\n",
		"events --stuck":                                                                           "payhook events: --stuck: needs a positive duration such as 15m\n",
		"send stripe x --amount lots":                                                              "payhook send: --amount lots: a positive number of minor units, such as 2000 for 20.00\n",
		"send stripe payment_intent.succeeded --amount -3":                                         "payhook send: --amount -3: a positive number of minor units, such as 2000 for 20.00\n",
		"send stripe payment_intent.succeeded --currency euro":                                     "payhook send: --currency euro: a three-letter ISO 4217 code, such as EUR\n",
		"send --url ftp://x stripe payment_intent.succeeded":                                       "payhook send: --url ftp://x: an http or https URL, such as http://127.0.0.1:8080\n",
		"bench --rate -5":                                                                          "payhook bench: --rate -5: a positive number of deliveries per second, such as 200\n",
		"bench --rate lots":                                                                        "payhook bench: --rate lots: a positive number of deliveries per second, such as 200\n",
		"bench --concurrency -1":                                                                   "payhook bench: --concurrency -1: a positive number of senders, such as 8\n",
		"serve --addr nonsense --data /nonexistent/payhook":                                        "payhook serve: --addr nonsense: a host and port, such as 127.0.0.1:8080\n",
		"events --region eu-west-1 --data /nonexistent/payhook":                                    "payhook events: --region eu-west-1: goes with --table, a DynamoDB table on AWS (a data directory has no region)\n",
		"payments --region eu-west-1 --data /nonexistent/payhook":                                  "payhook payments: --region eu-west-1: goes with --table, a DynamoDB table on AWS (a data directory has no region)\n",
		"redrive --all --region eu-west-1 --data /nonexistent/payhook":                             "payhook redrive: --region eu-west-1: goes with --table, a DynamoDB table on AWS (a data directory has no region)\n",
		"redrive --all --dlq-url https://q --data /nonexistent/payhook":                            "payhook redrive: --dlq-url https://q: goes with --table, a DynamoDB table on AWS (locally, redrive reads the data directory's dead-letter queue)\n",
		"smoke --region eu-west-1 --data /nonexistent/payhook":                                     "payhook smoke: --region eu-west-1: goes with --table, a DynamoDB table on AWS (a data directory has no region)\n",
		"bench --rate 5 --duration 2h":                                                             "payhook bench: --duration 2h0m0s: a positive duration up to 1h, such as 10s\n",
		"bench --rate 5 --drain -1s":                                                               "payhook bench: --drain -1s: a duration of 0 or more, such as 30s\n",
		"serve --forward-to http://127.0.0.1:9/e --forward-timeout 0s --data /nonexistent/payhook": "payhook serve: --forward-timeout 0s: a positive duration such as 15s\n",
		"smoke --wait 0s --data /nonexistent/payhook":                                              "payhook smoke: --wait 0s: a positive duration such as 2m\n",
		"events --status DONE --data /nonexistent/payhook":                                         "payhook events: --status \"DONE\": want one of RECEIVED, PROCESSED, FAILED, RETRY (in any case)\n",
		"reconcile stripe --since yesterday --data /nonexistent/payhook":                           "payhook reconcile: --since yesterday: ",
		"events -data x":                                                                           "payhook events: -data: flags are spelled with two dashes: --data\n",
		"payments --dlq-url https://q":                                                             "payhook payments: --dlq-url: no such flag (payhook payments --help lists them)\n",
		"forward status --table t":                                                                 "payhook forward status: --table: no such flag (payhook forward status --help lists them)\n",
		"serve --forward-to ftp://x":                                                               "payhook serve: --forward-to ftp://x: ",
		"forward":                                                                                  "payhook forward: forward takes one subcommand: status\n",
		"audit verify a b":                                                                         "payhook audit verify: want: audit verify [FILE]\n",
		"events stray":                                                                             "payhook events: unexpected argument \"stray\"\n",
	} {
		t.Run(args, func(t *testing.T) {
			is := is.New(t)
			stdout, stderr, code := payhook(t, strings.Fields(args)...)
			is.Equal(code, 2)
			is.True(strings.HasPrefix(stderr, want))
			is.Equal(strings.Count(stderr, "\n"), 1)
			is.Equal(stdout, "") // no usage
		})
	}
}

// TestBenchLosesNothing runs a short bench against a separate serve.
func TestBenchLosesNothing(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	startServe(t, dir)
	stdout, stderr, code := payhook(t, "bench", "--data", dir, "--concurrency", "8", "--duration", "2s", "--requests", "400", "--check-processed")
	is.Equal(code, 0)
	is.True(strings.Contains(stdout, "5xx 0, errors 0"))
	is.True(strings.Contains(stdout, "lost 0"))
	is.True(strings.Contains(stdout, "unprocessed: ")) // and, with --check-processed, none left after the drain
	is.True(strings.Contains(stderr, "prepared 400 signed deliveries"))
	if runtime.GOOS == "linux" { // serve's memory, from /proc, with Go's own part apart from the mapped store
		is.True(regexp.MustCompile(`serve's RSS \d+ kB \(\d+ kB anonymous\) before, \d+ kB \(\d+ kB anonymous\) when sending stopped, \d+ kB \(\d+ kB anonymous\) after the drain`).MatchString(stdout))
	}

	_, stderr, code = payhook(t, "bench", "--url", "http://203.0.113.10:8080", "--rate", "10", "--data", dir)
	is.Equal(code, 2) // never loads another machine unless told to
	is.True(strings.Contains(stderr, "not on this machine"))
}

// TestListingsShowSenderControlledStringsEscaped sends a payment id that
// carries terminal escape sequences (clear the screen, reverse the text):
// the listings show them as escapes, and --json keeps the exact value.
func TestListingsShowSenderControlledStringsEscaped(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	startServe(t, dir)
	hostile := "pay_\x1b[2J\u202eevil"
	_, stderr, code := payhook(t, "send", "standard", "payment.succeeded", "--payment-id", hostile, "--data", dir)
	is.Equal(stderr, "")
	is.Equal(code, 0)
	wait.Until(t, 15*time.Second, "the payment to be processed", func() bool {
		stdout, _, _ := payhook(t, "payments", "--json", "--data", dir)
		var states []payment.State
		return json.Unmarshal([]byte(stdout), &states) == nil && len(states) == 1 && states[0].PaymentID == hostile
	})
	for _, command := range []string{"payments", "events"} {
		stdout, _, code := payhook(t, command, "--data", dir)
		is.Equal(code, 0)
		is.True(strings.Contains(stdout, `pay_\x1b[2J\u202eevil`)) // shown, escaped
		is.True(!strings.ContainsAny(stdout, "\x1b\u202e"))        // never obeyed
	}
}

// TestStuckWebhooksAreFoundAndRedriven: a webhook left RECEIVED (its
// processing given up on) is listed by events --stuck, moved to RETRY by
// redrive --stuck, and processed by the next serve.
func TestStuckWebhooksAreFoundAndRedriven(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	is.NoErr(os.MkdirAll(dir, 0o700))
	st, err := local.OpenStore(dir)
	is.NoErr(err)
	body, id, err := samples.Build("stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: "evt_stuck", PaymentID: "pi_stuck"})
	is.NoErr(err)
	hourAgo := time.Now().Add(-time.Hour).UTC()
	_, err = st.PutWebhook(context.Background(), store.Webhook{Provider: "stripe", EventID: id, EventType: "payment_intent.succeeded", Body: body,
		Status: store.StatusReceived, ReceivedAt: hourAgo, OccurredAt: hourAgo, ExpiresAt: time.Now().Add(time.Hour), UpdatedBy: store.ByReceiver})
	is.NoErr(err)
	is.NoErr(st.Close())

	stdout, _, code := payhook(t, "events", "--stuck", "15m", "--data", dir)
	is.Equal(code, 0)
	is.True(strings.Contains(stdout, "evt_stuck"))
	stdout, _, code = payhook(t, "events", "--stuck", "2h", "--data", dir)
	is.Equal(code, 0)
	is.True(!strings.Contains(stdout, "evt_stuck")) // not that old
	stdout, _, code = payhook(t, "redrive", "--stuck", "15m", "--data", dir)
	is.Equal(code, 0)
	is.True(strings.Contains(stdout, "redriven: stripe/evt_stuck"))
	is.True(strings.Contains(stdout, "1 redriven, 0 moved on meanwhile"))

	startServe(t, dir)
	wait.Until(t, 15*time.Second, "the redriven webhook to be processed", func() bool {
		stdout, _, _ := payhook(t, "events", "--json", "--status", "PROCESSED", "--data", dir)
		return strings.Contains(stdout, "evt_stuck")
	})
	_, stderr, code := payhook(t, "redrive", "--stuck", "15m", "--all", "--data", dir)
	is.Equal(code, 2)
	is.Equal(stderr, "payhook redrive: give one of --all, --stuck AGE, --forwards, <provider> <event id>, or a filter (--since, --until, --provider, --type, --status)\n")
}

// TestAuditVerifyFindsAMissingRecord verifies serve's own trail, then the
// same trail with one record taken out: a webhook's creation, and the
// only record of a payment, in a data directory.
func TestAuditVerifyFindsAMissingRecord(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	serveCmd, _ := startServe(t, dir)
	for _, id := range []string{"pi_audit", "pi_audit_2"} {
		_, _, code := payhook(t, "send", "stripe", "payment_intent.succeeded", "--payment-id", id, "--data", dir)
		is.Equal(code, 0)
		wait.Until(t, 15*time.Second, "the payment", func() bool {
			stdout, _, _ := payhook(t, "payments", "--json", "--data", dir)
			return strings.Contains(stdout, id)
		})
	}
	// The auditor follows the feed on its own: wait for it to record each
	// webhook's creation, its processing and the payment.
	wait.Until(t, 15*time.Second, "six audit records", func() bool {
		raw, err := os.ReadFile(filepath.Join(dir, local.AuditFile))
		return err == nil && strings.Count(string(raw), "\n") >= 6
	})
	is.NoErr(serveCmd.Process.Signal(syscall.SIGTERM))
	is.NoErr(serveCmd.Wait())

	stdout, stderr, code := payhook(t, "audit", "verify", "--data", dir)
	is.Equal(stderr, "")
	is.Equal(code, 0)
	is.True(strings.Contains(stdout, "every chain holds"))

	raw, err := os.ReadFile(filepath.Join(dir, local.AuditFile))
	is.NoErr(err)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	creation := slices.IndexFunc(lines, func(line string) bool {
		return strings.Contains(line, `"event_name":"INSERT"`) && strings.Contains(line, `"kind":"webhook"`)
	})
	kept := slices.Delete(slices.Clone(lines), creation, creation+1) // the first webhook's creation record goes

	// The first payment's only record, from the middle of the trail: no
	// chain shows it gone, the sequence does.
	lone := slices.IndexFunc(lines, func(line string) bool {
		return strings.Contains(line, `"kind":"payment"`) && strings.Contains(line, `#pi_audit"`)
	})
	is.True(lone >= 0 && lone < len(lines)-1)
	removed := filepath.Join(t.TempDir(), "removed")
	copyDataDir(t, dir, removed)
	is.NoErr(os.WriteFile(filepath.Join(removed, local.AuditFile), []byte(strings.Join(slices.Delete(slices.Clone(lines), lone, lone+1), "\n")+"\n"), 0o600))
	stdout, _, code = payhook(t, "audit", "verify", "--data", removed)
	is.Equal(code, 1)
	is.True(strings.Contains(stdout, fmt.Sprintf("line %d, ", lone+1)))
	is.True(strings.Contains(stdout, fmt.Sprintf("the record of change %d is missing", lone+1)))
	tampered := filepath.Join(t.TempDir(), "tampered.jsonl")
	is.NoErr(os.WriteFile(tampered, []byte(strings.Join(kept, "\n")+"\n"), 0o600))
	stdout, stderr, code = payhook(t, "audit", "verify", "--complete", tampered)
	is.Equal(code, 1)
	if !strings.Contains(stdout, "the records before it are missing") {
		t.Fatalf("stdout %q stderr %q kept %d", stdout, stderr, len(kept))
	}

	is.True(strings.Contains(stderr, "1 breaks in the chain"))
}

// TestReconcileThroughServeAgainstStripeMock: with Stripe's API pointed at
// stripe-mock, reconcile stores what it lists, marked as recovered, and a
// second run recovers nothing.
func TestReconcileThroughServeAgainstStripeMock(t *testing.T) {
	is := is.New(t)
	dir := t.TempDir()
	startServe(t, dir, "PAYHOOK_STRIPE_API_URL="+testenv.StripeMock(t), "PAYHOOK_STRIPE_API_KEY="+testenv.StripeMockKey)

	stdout, stderr, code := payhook(t, "reconcile", "stripe", "--since", "72h", "--data", dir)
	is.Equal(code, 0)
	is.Equal(stderr, "")
	is.True(strings.Contains(stdout, "recovered: evt_1Pgc76B7WZ01zgkWwyRHS12y"))

	views := eventsJSON(t, "--data", dir)
	is.Equal(len(views), 1)
	is.Equal(views[0].Source, "reconcile")

	stdout, _, code = payhook(t, "reconcile", "stripe", "--since", "72h", "--json", "--data", dir)
	is.Equal(code, 0)
	var report struct {
		Listed        int `json:"listed"`
		AlreadyStored int `json:"already_stored"`
		Recovered     int `json:"recovered"`
	}
	is.NoErr(json.Unmarshal([]byte(stdout), &report))
	is.Equal(report.Listed, 1)
	is.Equal(report.AlreadyStored, 1)
	is.Equal(report.Recovered, 0)
}

// storedDataDir is a data directory with an empty store, serve stopped.
func storedDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	st, err := local.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestReconcileNamesTheSettingItNeeds(t *testing.T) {
	is := is.New(t)
	_, stderr, code := payhook(t, "reconcile", "stripe", "--data", storedDataDir(t))
	is.Equal(code, 1)
	is.True(strings.Contains(stderr, "PAYHOOK_STRIPE_API_KEY"))
	_, stderr, code = payhook(t, "reconcile", "stripe", "--since", "soon", "--data", t.TempDir())
	is.Equal(code, 2)
	is.True(strings.Contains(stderr, "--since"))
}
