package local_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/standard"
	"github.com/payhook/payhook/shared/samples"
)

// syncBuffer collects the server's log lines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func options(t *testing.T, dataDir string, env map[string]string) local.Options {
	t.Helper()
	var cfg config.Receiver
	if err := config.Load(func(string) (string, bool) { return "", false }, &cfg); err != nil {
		t.Fatal(err)
	}
	return local.Options{
		Addr: "127.0.0.1:0", DataDir: dataDir, Receiver: cfg,
		Lookup: func(name string) (string, bool) { v, ok := env[name]; return v, ok },
		Log:    observe.NewLogger(&syncBuffer{}, "debug", "serve"),
	}
}

// start runs a server until the test ends.
func start(t *testing.T, opts local.Options) *local.Server {
	t.Helper()
	s, err := local.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx) // some tests stop the server themselves, or break it
	})
	return s
}

func serveInfo(t *testing.T, dataDir string) local.ServeInfo {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dataDir, local.ServeFile))
	if err != nil {
		t.Fatal(err)
	}
	var info local.ServeInfo
	if err := json.Unmarshal(raw, &info); err != nil {
		t.Fatal(err)
	}
	return info
}

// answer is what a request got back, its body already read and closed.
type answer struct {
	StatusCode int
	Header     http.Header
	Body       string
}

func request(t *testing.T, method, target, token string, body io.Reader) answer {
	t.Helper()
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	read, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, string(read)}
}

func TestAdminAPIIsOnlyOnItsOwnLoopbackListener(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	s := start(t, options(t, dir, nil))
	info := serveInfo(t, dir)
	admin, err := url.Parse(s.AdminURL)
	is.NoErr(err)
	is.Equal(admin.Hostname(), "127.0.0.1")
	is.True(s.AdminURL != s.URL)
	is.Equal(info.AdminURL, s.AdminURL)

	// Not on the webhook listener, token or not.
	is.Equal(request(t, http.MethodGet, s.URL+"/admin/webhooks", info.Token, nil).StatusCode, 404)
	is.Equal(request(t, http.MethodPost, s.URL+"/admin/redrive", info.Token, strings.NewReader(`{"all":true}`)).StatusCode, 404)

	// On the admin listener, only with the token.
	is.Equal(request(t, http.MethodGet, s.AdminURL+"/admin/webhooks", "", nil).StatusCode, 401)
	is.Equal(request(t, http.MethodGet, s.AdminURL+"/admin/webhooks", info.Token+"x", nil).StatusCode, 401)
	is.Equal(request(t, http.MethodGet, s.AdminURL+"/admin/webhooks", info.Token[:len(info.Token)-1], nil).StatusCode, 401)
	is.Equal(request(t, http.MethodGet, s.AdminURL+"/admin/webhooks", info.Token, nil).StatusCode, 200)
	// Every route of the admin API, the operator's and the data
	// directory's, is behind the one token check.
	for _, route := range []struct{ method, path string }{
		{"GET", "/admin/payments"}, {"GET", "/admin/events"}, {"GET", "/admin/event?provider=stripe&id=evt_1"},
		{"GET", "/admin/payment?payment=stripe/pi_1"}, {"GET", "/admin/checkpoints"}, {"GET", "/admin/forward/status"},
		{"GET", "/admin/forward/dead"}, {"GET", "/admin/trail"}, {"GET", "/admin/check"}, {"GET", "/admin/backup"},
		{"POST", "/admin/redrive"}, {"POST", "/admin/redrive/matching"}, {"POST", "/admin/resend"}, {"POST", "/admin/reconcile"},
		{"POST", "/admin/forward/redrive"}, {"DELETE", "/admin/smoke/stripe/payhook-smoke-1"}, {"GET", "/admin/no-such-route"},
	} {
		for _, token := range []string{"", info.Token + "x"} {
			if got := request(t, route.method, s.AdminURL+route.path, token, strings.NewReader(`{}`)).StatusCode; got != 401 {
				t.Errorf("%s %s with token %q: %d, want 401", route.method, route.path, token, got)
			}
		}
	}
	is.Equal(request(t, http.MethodGet, s.AdminURL+"/admin/checkpoints", info.Token, nil).StatusCode, 200)
	is.Equal(request(t, http.MethodGet, s.AdminURL+"/admin/event?provider=stripe&id=evt_nope", info.Token, nil).StatusCode, 404)

	// Admin bodies are bounded.
	big := strings.NewReader(`{"provider":"` + strings.Repeat("x", 1<<20) + `"}`)
	is.Equal(request(t, http.MethodPost, s.AdminURL+"/admin/redrive", info.Token, big).StatusCode, 400)
}

func TestServeBoundsEveryConnection(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	opts := options(t, dir, nil)
	opts.Limits = local.Limits{ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 300 * time.Millisecond}
	s := start(t, opts)

	for name, base := range map[string]string{"webhook listener": s.URL, "admin listener": s.AdminURL} {
		t.Run(name+": headers over 16 KiB", func(t *testing.T) {
			is := is.New(t)
			header := func(size int) int {
				req, _ := http.NewRequest(http.MethodPost, base+"/webhook/stripe", strings.NewReader(`{}`))
				req.Header.Set("X-Padding", strings.Repeat("p", size))
				resp, err := http.DefaultClient.Do(req)
				is.NoErr(err)
				resp.Body.Close()
				return resp.StatusCode
			}
			is.Equal(header(17<<10), http.StatusRequestHeaderFieldsTooLarge)
			is.True(header(15<<10) != http.StatusRequestHeaderFieldsTooLarge)
		})
		t.Run(name+": a client that sends its headers slowly is cut off", func(t *testing.T) {
			closedWithin(t, base, "POST /webhook/stripe HTTP/1.1\r\nHost: payhook\r\n")
		})
		t.Run(name+": a client that sends its body slowly is cut off", func(t *testing.T) {
			closedWithin(t, base, "POST /webhook/stripe HTTP/1.1\r\nHost: payhook\r\nContent-Length: 1000\r\n\r\n{\"id\":")
		})
	}
}

// closedWithin sends start and nothing more, and checks that the server
// closes the connection long before the test's own deadline.
func closedWithin(t *testing.T, base, start string) {
	is := is.New(t)
	u, _ := url.Parse(base)
	conn, err := net.Dial("tcp", u.Host)
	is.NoErr(err)
	defer conn.Close()
	_, err = conn.Write([]byte(start))
	is.NoErr(err)
	is.NoErr(conn.SetReadDeadline(time.Now().Add(5 * time.Second)))
	_, err = io.ReadAll(conn) // returns at EOF: the server hung up
	is.NoErr(err)
}

func TestDataDirectoryMustBeTheUsersOwn(t *testing.T) {
	t.Run("created private", func(t *testing.T) {
		is := is.New(t)
		dir := filepath.Join(t.TempDir(), "data")
		start(t, options(t, dir, nil))
		info, err := os.Stat(dir)
		is.NoErr(err)
		is.Equal(info.Mode().Perm(), os.FileMode(0o700))
		for _, name := range []string{local.ServeFile, local.DevSecretsFile, local.AuditFile, local.DBFile} {
			info, err := os.Stat(filepath.Join(dir, name))
			is.NoErr(err)
			is.Equal(info.Mode().Perm(), os.FileMode(0o600))
		}
	})
	t.Run("group-writable is refused", func(t *testing.T) {
		is := is.New(t)
		dir := filepath.Join(t.TempDir(), "data")
		is.NoErr(os.Mkdir(dir, 0o700))
		is.NoErr(os.Chmod(dir, 0o770)) //nolint:gosec // G302: the mistake under test
		_, err := local.Start(options(t, dir, nil))
		is.True(err != nil && strings.Contains(err.Error(), "can be written by group or others (mode 0770); run chmod 700"))
		_, _, err = local.OpenOperator(dir)
		is.True(err != nil && strings.Contains(err.Error(), "can be written by group or others"))
	})
	t.Run("another user's is refused", func(t *testing.T) {
		is := is.New(t)
		dir := "/" // root's: not ours unless we are root
		if os.Geteuid() == 0 {
			dir = filepath.Join(t.TempDir(), "data")
			is.NoErr(os.Mkdir(dir, 0o700))
			is.NoErr(os.Chown(dir, 65534, 65534))
		}
		_, err := local.Start(options(t, dir, nil))
		is.True(err != nil && strings.Contains(err.Error(), "is owned by user"))
	})
	for _, name := range []string{local.AuditFile, local.DevSecretsFile, local.ServeFile} {
		t.Run(name+" as a symbolic link is refused, its target untouched", func(t *testing.T) {
			is := is.New(t)
			dir := filepath.Join(t.TempDir(), "data")
			is.NoErr(os.Mkdir(dir, 0o700))
			target := filepath.Join(t.TempDir(), "elsewhere")
			is.NoErr(os.WriteFile(target, []byte("someone else's file\n"), 0o644)) //nolint:gosec // G306: readable by others, as the victim's file would be
			is.NoErr(os.Symlink(target, filepath.Join(dir, name)))
			_, err := local.Start(options(t, dir, nil))
			is.True(err != nil && strings.Contains(err.Error(), "is a symbolic link"))
			content, err := os.ReadFile(target)
			is.NoErr(err)
			is.Equal(string(content), "someone else's file\n")
		})
	}
}

func TestServeStopsAcknowledgingWhenThePipelineStops(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	s := start(t, options(t, dir, nil))
	is.Equal(request(t, http.MethodGet, s.URL+"/healthz", "", nil).StatusCode, 200)

	s.Store.Close() // the store fails under the change feed
	select {
	case <-s.Failed():
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not notice its pipeline stopped")
	}
	is.True(s.PipelineErr() != nil)
	// One way of answering 503, the receiver's, wherever this serve cannot.
	for _, answer := range []answer{
		request(t, http.MethodGet, s.URL+"/healthz", "", nil),
		request(t, http.MethodGet, s.AdminURL+"/healthz", "", nil),
		request(t, http.MethodPost, s.URL+"/webhook/stripe", "", strings.NewReader(`{}`)),
	} {
		is.Equal(answer.StatusCode, 503)
		is.Equal(answer.Header.Get("Retry-After"), "5")
		is.Equal(answer.Body, `{"error":"unavailable"}`)
	}
	_, running := local.RunningServe(dir)
	is.True(!running) // the CLI will not use a serve that is not processing
	is.True(s.Shutdown(context.Background()) != nil)
}

func TestStandardSendersKeepTheirOwnPayments(t *testing.T) {
	is := is.New(t)
	const (
		acme    = "acme=whsec_YWNtZS1zaWduaW5nLXNlY3JldC0xMjM0NTY3OA=="
		billing = "billing=whsec_YmlsbGluZy1zaWduaW5nLXNlY3JldC0xMjM0NTY="
	)
	dir := filepath.Join(t.TempDir(), "data")
	s := start(t, options(t, dir, map[string]string{"PAYHOOK_STANDARD_WEBHOOK_SECRETS": acme + "," + billing}))
	deliver := func(secret, eventType string, amount int64) {
		body, id, err := samples.Build("standard", eventType, provider.SampleOptions{EventID: "msg_same", PaymentID: "pay_same", Amount: amount, Currency: "EUR"})
		is.NoErr(err)
		signed, err := samples.Sign("standard", body, provider.Keys{standard.Secrets: {secret}}, id, time.Now())
		is.NoErr(err)
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/webhook/standard", bytes.NewReader(signed.Body))
		req.Header = signed.Header
		resp, err := http.DefaultClient.Do(req)
		is.NoErr(err)
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		is.Equal(string(answer), `{"status":"accepted","id":"msg_same"}`)
	}
	deliver(acme, "payment.succeeded", 2000)
	deliver(billing, "payment.failed", 500) // billing's key holder tries acme's event id and payment id

	var payments []payment.State
	wait.Until(t, 10*time.Second, "both payments", func() bool {
		var err error
		payments, err = s.Store.ListPayments(context.Background())
		is.NoErr(err)
		return len(payments) == 2
	})
	byProvider := map[string]payment.State{}
	for _, p := range payments {
		byProvider[p.Provider] = p
	}
	is.Equal(byProvider["standard:acme"].Status, payment.StatusSucceeded)
	is.Equal(byProvider["standard:acme"].AmountMinor, int64(2000))
	is.Equal(byProvider["standard:billing"].Status, payment.StatusFailed)
	is.Equal(fmt.Sprint(len(byProvider)), "2")
}

// TestTheCLINeverSendsItsTokenToAnImpostor: after a crash, serve.json
// names a loopback port that another local process may take. It answers
// /healthz as serve would, but cannot prove it holds the token, so the CLI
// neither uses it nor sends it the token.
func TestTheCLINeverSendsItsTokenToAnImpostor(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	s := start(t, options(t, dir, nil))
	info := serveInfo(t, dir)
	_, running := local.RunningServe(dir)
	is.True(running) // the real serve proves it
	is.NoErr(s.Shutdown(context.Background()))

	var sawToken atomic.Bool
	impostor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Authorization"), info.Token) {
			sawToken.Store(true)
		}
		w.Write([]byte("ok\n")) // answers anything, /healthz and the proof request alike
	}))
	defer impostor.Close()
	info.AdminURL = impostor.URL
	raw, err := json.Marshal(info)
	is.NoErr(err)
	is.NoErr(os.WriteFile(filepath.Join(dir, local.ServeFile), raw, 0o600))

	_, running = local.RunningServe(dir)
	is.True(!running)
	op, release, err := local.OpenOperator(dir)
	is.NoErr(err)
	_, err = op.Payments(context.Background()) // from the file, not the impostor
	is.NoErr(err)
	is.NoErr(release())
	is.True(!sawToken.Load())
}

// TestADataDirectoryLinkIsResolvedOnce: the checks and every later open
// name the same real directory, so swapping the link afterwards changes
// nothing.
func TestADataDirectoryLinkIsResolvedOnce(t *testing.T) {
	is := is.New(t)
	base := t.TempDir()
	real, elsewhere, link := filepath.Join(base, "real"), filepath.Join(base, "elsewhere"), filepath.Join(base, "link")
	is.NoErr(os.Mkdir(real, 0o700))
	is.NoErr(os.Mkdir(elsewhere, 0o700))
	is.NoErr(os.Symlink(real, link))
	s := start(t, options(t, link, nil))
	resolved, err := filepath.EvalSymlinks(real)
	is.NoErr(err)
	is.Equal(s.DataDir, resolved)

	is.NoErr(os.Remove(link))
	is.NoErr(os.Symlink(elsewhere, link)) // swapped after the checks
	is.NoErr(s.Shutdown(context.Background()))
	entries, err := os.ReadDir(elsewhere)
	is.NoErr(err)
	is.Equal(len(entries), 0) // nothing went through the new link
	_, err = os.Stat(filepath.Join(real, local.DBFile))
	is.NoErr(err)
}

// A CPU profile of serve, for profile-guided optimisation, is the
// admin API's like everything else on it: the token, on loopback.
func TestACPUProfileTakesTheToken(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	s := start(t, options(t, dir, nil))
	info := serveInfo(t, dir)
	is.Equal(request(t, http.MethodGet, s.URL+local.ProfilePath+"?seconds=1", info.Token, nil).StatusCode, 404)
	is.Equal(request(t, http.MethodGet, s.AdminURL+local.ProfilePath+"?seconds=1", "", nil).StatusCode, 401)

	req, err := http.NewRequest(http.MethodGet, s.AdminURL+local.ProfilePath+"?seconds=1", nil)
	is.NoErr(err)
	req.Header.Set("Authorization", "Bearer "+info.Token)
	resp, err := http.DefaultClient.Do(req)
	is.NoErr(err)
	defer resp.Body.Close()
	is.Equal(resp.StatusCode, 200)
	profile, err := io.ReadAll(resp.Body)
	is.NoErr(err)
	is.True(len(profile) > 2 && profile[0] == 0x1f && profile[1] == 0x8b) // a gzipped pprof profile
}
