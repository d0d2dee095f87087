//go:build !sandbox

package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/readme"
	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/samples"
)

// servedLogs is serve's output, read while it runs.
type servedLogs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *servedLogs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *servedLogs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// served is a payhook serve run with its own arguments and environment.
type served struct {
	t    *testing.T
	dir  string
	cmd  *exec.Cmd
	logs *servedLogs
	info local.ServeInfo
}

// serveIn runs payhook serve in a directory of its own, with env, until
// stop or the test's end; dir is its data directory unless args say
// otherwise.
func serveIn(t *testing.T, dataDir string, args []string, env ...string) *served {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve"}, args...)...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(cleanEnv(), env...)
	s := &served{t: t, dir: dataDir, cmd: cmd, logs: &servedLogs{}}
	cmd.Stdout, cmd.Stderr = s.logs, s.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	if !filepath.IsAbs(dataDir) {
		s.dir = filepath.Join(cmd.Dir, dataDir)
	}
	wait.Until(t, 20*time.Second, "serve to come up", func() bool {
		info, ok := local.RunningServe(s.dir)
		s.info = info
		return ok && info.PID == cmd.Process.Pid
	})
	return s
}

// stop ends serve cleanly and returns all it printed.
func (s *served) stop() string {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatal(err)
	}
	if err := s.cmd.Wait(); err != nil {
		s.t.Fatalf("serve: %v\n%s", err, s.logs.String())
	}
	return s.logs.String()
}

// deliver signs a delivery as provider would at signedAt with serve's
// development secrets, and returns serve's answer.
func (s *served) deliver(name, eventType string, signedAt time.Time, opts provider.SampleOptions) (int, string) {
	s.t.Helper()
	dev, err := local.LoadDevSecrets(s.dir)
	if err != nil {
		s.t.Fatal(err)
	}
	body, id, err := samples.Build(name, eventType, opts)
	if err != nil {
		s.t.Fatal(err)
	}
	signed, err := samples.Sign(name, body, dev.Keys, id, signedAt)
	if err != nil {
		s.t.Fatal(err)
	}
	return s.post("/webhook/"+name, signed.Header, signed.Body)
}

func (s *served) post(path string, header http.Header, body []byte) (int, string) {
	s.t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, s.info.URL+path, bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.StatusCode, string(answer)
}

// TestServeTakesEachSettingTheREADMESays: for every setting the README's
// configuration table says serve reads, serve does something a user would
// notice with it set that it does not do without (or, where nothing can be
// seen from outside in a test, refuses a bad value naming it).
func TestServeTakesEachSettingTheREADMESays(t *testing.T) {
	data := func(t *testing.T) string { return filepath.Join(t.TempDir(), "data") }
	loopback := []string{"--addr", "127.0.0.1:0"}
	// Each case: serve with the setting's value, then without; what differs.
	cases := map[string]func(t *testing.T, set string) string{
		"PAYHOOK_ADDR": func(t *testing.T, set string) string {
			dir := data(t)
			s := serveIn(t, dir, []string{"--data", dir}, set)
			defer s.stop()
			return strings.Split(s.info.URL, ":")[1] // the host it listens on
		},
		"PAYHOOK_DATA_DIR": func(t *testing.T, set string) string {
			s := serveIn(t, settingOr(set, "PAYHOOK_DATA_DIR=", ".payhook"), loopback, set)
			defer s.stop()
			return s.dir
		},
		"PAYHOOK_MAX_BODY_BYTES": func(t *testing.T, set string) string {
			dir := data(t)
			s := serveIn(t, dir, append(loopback, "--data", dir), set)
			defer s.stop()
			code, _ := s.post("/webhook/stripe", http.Header{"Content-Type": {"application/json"}}, bytes.Repeat([]byte(" "), 2000))
			return fmt.Sprint(code)
		},
		"PAYHOOK_TIMESTAMP_TOLERANCE": func(t *testing.T, set string) string {
			dir := data(t)
			s := serveIn(t, dir, append(loopback, "--data", dir), set)
			defer s.stop()
			code, answer := s.deliver("stripe", "payment_intent.succeeded", time.Now().Add(-30*time.Second), provider.SampleOptions{})
			return fmt.Sprint(code, answer)
		},
		"PAYHOOK_RETENTION": func(t *testing.T, set string) string {
			dir := data(t)
			s := serveIn(t, dir, append(loopback, "--data", dir), set)
			code, _ := s.deliver("stripe", "payment_intent.succeeded", time.Now(), provider.SampleOptions{EventID: "evt_kept"})
			is.New(t).Equal(code, 200)
			s.stop()
			st, err := local.OpenStore(dir)
			is.New(t).NoErr(err)
			defer st.Close()
			w, err := st.GetWebhook(context.Background(), "stripe", "evt_kept")
			is.New(t).NoErr(err)
			return w.ExpiresAt.Sub(w.ReceivedAt).Round(time.Hour).String()
		},
		"PAYHOOK_PAYPAL_TRANSMISSION_WINDOW": func(t *testing.T, set string) string {
			dir := data(t)
			s := serveIn(t, dir, append(loopback, "--data", dir), set)
			defer s.stop()
			code, answer := s.deliver("paypal", "PAYMENT.CAPTURE.COMPLETED", time.Now().Add(-2*time.Minute), provider.SampleOptions{})
			return fmt.Sprint(code, answer)
		},
		"PAYHOOK_LOG_LEVEL": func(t *testing.T, set string) string {
			dir := data(t)
			s := serveIn(t, dir, append(loopback, "--data", dir), set)
			return fmt.Sprint(strings.Contains(s.stop(), `"message":"stopped"`))
		},
		"PAYHOOK_FORWARD_SECRETS": func(t *testing.T, set string) string {
			dir := data(t)
			s := serveIn(t, dir, append(loopback, "--data", dir, "--forward-to", "http://127.0.0.1:9/payment-events"), set)
			banner := s.stop()
			return fmt.Sprint(strings.Contains(banner, "signed with PAYHOOK_FORWARD_SECRETS from the environment"))
		},
		"PAYHOOK_CRITICAL_EVENT_TYPES": func(t *testing.T, set string) string {
			dir := data(t)
			s := serveIn(t, dir, append(loopback, "--data", dir), set)
			defer s.stop()
			code, _ := s.deliver("stripe", "payment_intent.succeeded", time.Now(), provider.SampleOptions{EventID: "evt_paid", PaymentID: "pi_paid"})
			is.New(t).Equal(code, 200)
			wait.Until(t, 15*time.Second, "the payment to be processed", func() bool {
				stdout, _, _ := payhook(t, "events", "--status", "PROCESSED", "--data", dir)
				return strings.Contains(stdout, "evt_paid")
			})
			return fmt.Sprint(strings.Contains(s.logs.String(), `"kind":"critical_event"`))
		},
		// With PayPal's API credentials set (its stand-in, which does not
		// know the event), serve asks PayPal to confirm each delivery: one
		// it cannot confirm is not acted on. Told not to, serve processes it.
		"PAYHOOK_PAYPAL_CONFIRM": func(t *testing.T, set string) string {
			standins := testenv.Standins(t)
			dir := data(t)
			s := serveIn(t, dir, append(loopback, "--data", dir), set, "PAYHOOK_PAYPAL_CLIENT_ID="+standins.PayPalClientID,
				"PAYHOOK_PAYPAL_CLIENT_SECRET="+standins.PayPalClientSecret, "PAYHOOK_PAYPAL_API_URL="+standins.URL())
			defer s.stop()
			code, _ := s.deliver("paypal", "PAYMENT.CAPTURE.COMPLETED", time.Now(), provider.SampleOptions{EventID: "WH-UNCONFIRMED"})
			is.New(t).Equal(code, 200)
			return settledStatus(t, dir, "WH-UNCONFIRMED")
		},
		// With GoCardless's access token set (its stand-in, which holds the
		// payment), serve reads the amount GoCardless's webhook leaves out;
		// told not to, the amount stays unknown.
		"PAYHOOK_GOCARDLESS_AMOUNTS": func(t *testing.T, set string) string {
			standins := testenv.Standins(t)
			standins.SeedGoCardless(t, "payments", json.RawMessage(`{"id":"PM00SETTING","amount":4200,"currency":"GBP","status":"confirmed","created_at":"2026-11-27T10:00:00.000Z"}`))
			dir := data(t)
			s := serveIn(t, dir, append(loopback, "--data", dir), set, "PAYHOOK_GOCARDLESS_ACCESS_TOKEN="+standins.GoCardlessToken,
				"PAYHOOK_GOCARDLESS_API_URL="+standins.GoCardlessURL())
			defer s.stop()
			code, _ := s.deliver("gocardless", "payments.confirmed", time.Now(), provider.SampleOptions{EventID: "EV00SETTING", PaymentID: "PM00SETTING"})
			is.New(t).Equal(code, 200)
			is.New(t).Equal(settledStatus(t, dir, "EV00SETTING"), "PROCESSED")
			stdout, _, _ := payhook(t, "payments", "--data", dir)
			for line := range strings.SplitSeq(stdout, "\n") {
				if strings.Contains(line, "PM00SETTING") {
					return strings.Fields(line)[3] // AMOUNT
				}
			}
			return "no payment PM00SETTING: " + stdout
		},
	}
	values := map[string]string{
		"PAYHOOK_ADDR":                       "127.0.0.2:0",
		"PAYHOOK_DATA_DIR":                   "elsewhere",
		"PAYHOOK_MAX_BODY_BYTES":             "1024",
		"PAYHOOK_TIMESTAMP_TOLERANCE":        "1s",
		"PAYHOOK_RETENTION":                  "100h",
		"PAYHOOK_PAYPAL_TRANSMISSION_WINDOW": "1m",
		"PAYHOOK_LOG_LEVEL":                  "error",
		"PAYHOOK_FORWARD_SECRETS":            "whsec_" + strings.Repeat("c2VjcmV0", 5),
		"PAYHOOK_CRITICAL_EVENT_TYPES":       "payment.succeeded",
		"PAYHOOK_PAYPAL_CONFIRM":             "false",
		"PAYHOOK_GOCARDLESS_AMOUNTS":         "false",
	}
	// Nothing a test here can see from outside: a bad value stops serve.
	refused := map[string]string{
		"PAYHOOK_STORE_TIMEOUT":      "1m",
		"PAYHOOK_PAYPAL_SANDBOX":     "maybe",
		"PAYHOOK_PAYPAL_CONFIRM":     "maybe",
		"PAYHOOK_CHECKOUT_CONFIRM":   "maybe",
		"PAYHOOK_GOCARDLESS_AMOUNTS": "maybe",
	}
	rows, err := readme.Table("## Configuration", "variable")
	is.New(t).NoErr(err)
	for _, row := range rows {
		name := row["variable"]
		if !strings.Contains(" "+strings.ReplaceAll(row["read by"], ",", " ")+" ", " serve ") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			if bad, ok := refused[name]; ok {
				cmd := exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--data", data(t))
				cmd.Env = append(cleanEnv(), name+"="+bad)
				out, err := cmd.CombinedOutput()
				is.True(err != nil)
				is.Equal(strings.Count(string(out), "\n"), 1)
				is.True(strings.HasPrefix(string(out), "payhook serve: "+name+": "))
				return
			}
			check, ok := cases[name]
			if !ok {
				t.Fatalf("the README says serve reads %s: add a case that shows its effect", name)
			}
			with, without := check(t, name+"="+values[name]), check(t, "")
			t.Logf("%s=%s: %s; unset: %s", name, values[name], with, without)
			is.True(with != without)
		})
	}
}

// settledStatus waits until the webhook eventID on the serve of dir is no
// longer RECEIVED, and returns its status.
func settledStatus(t *testing.T, dir, eventID string) string {
	t.Helper()
	var status string
	wait.Until(t, 60*time.Second, eventID+" to be processed or given up on", func() bool {
		for _, s := range []string{"PROCESSED", "FAILED", "RETRY"} {
			if stdout, _, _ := payhook(t, "events", "--status", s, "--data", dir); strings.Contains(stdout, eventID) {
				status = s
				return true
			}
		}
		return false
	})
	return status
}

// settingOr is the value of setting (NAME=value) after prefix, or
// fallback when it is unset.
func settingOr(setting, prefix, fallback string) string {
	if v, ok := strings.CutPrefix(setting, prefix); ok {
		return v
	}
	return fallback
}

// TestServeWarnsOfANearMiss: PAYHOOK_FORWARD_SECRET, the name the README's
// example app once read, leaves PAYHOOK_FORWARD_SECRETS unset; serve says so.
func TestServeWarnsOfANearMiss(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	s := serveIn(t, dir, []string{"--addr", "127.0.0.1:0", "--data", dir}, "PAYHOOK_FORWARD_SECRET=whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0", "PAYHOOK_TEST_CACHE=/tmp")
	logs := s.stop()
	is.True(strings.Contains(logs, "PAYHOOK_FORWARD_SECRET is not a payhook setting and is ignored: did you mean PAYHOOK_FORWARD_SECRETS?"))
	is.True(!strings.Contains(logs, "PAYHOOK_TEST_CACHE")) // far from every setting: not a typo
	is.True(!strings.Contains(logs, "c2VjcmV0"))           // and never its value
}
