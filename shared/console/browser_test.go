//go:build !sandbox

// The browser tests install playwright-core from npm and drive chromium:
// outside Nix's sandbox only.

package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/store"
)

// The browser tests run the console of a real serve (local.Start) in
// Debian's chromium, driven by testdata/browser.js. With
// PAYHOOK_CONSOLE_SCREENSHOTS=DIR they also save the main pages there
// (docs/ holds the README's).

// poison begins the ids of events whose mapping fails until the test
// mends it.
const poison = "evt_console_poison"

// fixture is a serve with a console, an app it forwards to, and a bug
// that sends poison to the dead letters while it lasts.
type fixture struct {
	s   *local.Server
	app *app
	bug atomic.Bool
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	var cfg config.Receiver
	if err := config.Load(func(string) (string, bool) { return "", false }, &cfg); err != nil {
		t.Fatal(err)
	}
	f := &fixture{app: newApp(t)}
	f.bug.Store(true)
	s, err := local.Start(local.Options{
		Addr: "127.0.0.1:0", DataDir: filepath.Join(t.TempDir(), "data"), Receiver: cfg,
		Lookup:  func(string) (string, bool) { return "", false },
		Log:     observe.NewLogger(&bytes.Buffer{}, "error", "serve"),
		Forward: local.Forwarding{URLs: []string{f.app.url}},
		Normalize: func(d payment.Delivery) (payment.Event, error) {
			if strings.HasPrefix(d.EventID, poison) && f.bug.Load() {
				return payment.Event{}, fmt.Errorf("%w: a mapping bug the test mends", payment.ErrUnprocessable)
			}
			return registry.Normalize(d)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	f.s = s
	return f
}

// post delivers a signed webhook, its body changed by edit when given.
func (f *fixture) post(t *testing.T, name, eventType string, o provider.SampleOptions, edit func(map[string]any)) string {
	t.Helper()
	body, id, err := samples.Build(name, eventType, o)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		var doc map[string]any
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		edit(doc)
		// As a provider writes it: <, > and & as they are, not \u003c.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(doc); err != nil {
			t.Fatal(err)
		}
		body = bytes.TrimSpace(buf.Bytes())
	}
	signed, err := samples.Sign(name, body, f.s.Keys, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, f.s.URL+"/webhook/"+name, bytes.NewReader(signed.Body))
	req.Header = signed.Header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close() // the status is the answer
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d", name, eventType, resp.StatusCode)
	}
	return id
}

// status waits until the webhook is in want.
func (f *fixture) waitFor(t *testing.T, name, id string, want store.Status) {
	t.Helper()
	wait.Until(t, 2*time.Minute, name+"/"+id+" to be "+string(want), func() bool {
		w, err := f.s.Store.GetWebhook(context.Background(), name, id)
		return err == nil && w.Status == want
	})
}

func (f *fixture) base() string { return f.s.AdminURL }

// login is a fresh one-time login link.
func (f *fixture) login(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(f.s.DataDir, local.ServeFile))
	if err != nil {
		t.Fatal(err)
	}
	var info local.ServeInfo
	if err := json.Unmarshal(raw, &info); err != nil {
		t.Fatal(err)
	}
	link, err := local.ConsoleLogin(context.Background(), info)
	if err != nil {
		t.Fatal(err)
	}
	return link
}

func eventURL(f *fixture, provider, id string) string {
	return f.base() + "/console/event?provider=" + provider + "&id=" + id
}

// run runs a scenario of testdata/browser.js.
func run(t *testing.T, scenario string, input map[string]any, output any) {
	t.Helper()
	input["scenario"] = scenario
	if dir := os.Getenv("PAYHOOK_CONSOLE_SCREENSHOTS"); dir != "" {
		input["screenshots"], _ = filepath.Abs(dir)
	}
	testenv.NeedBrowser(t).Run(t, "testdata/browser.js", input, output)
}

// app stands in for the user's app: it records the message ids
// forwarded to it.
type app struct {
	url string
	mu  sync.Mutex
	ids []string
}

func newApp(t *testing.T) *app {
	a := &app{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.ids = append(a.ids, r.Header.Get("webhook-id"))
		a.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	a.url = srv.URL + "/payment-events"
	return a
}

func (a *app) count(id string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, got := range a.ids {
		if got == id {
			n++
		}
	}
	return n
}

func TestConsoleLoginLinkWorksOnce(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	is.True(strings.HasPrefix(f.s.ConsoleURL, f.base()+"/console/login?token="))
	var got struct {
		Status     int
		URL, Title string
		Cookies    []struct {
			Name     string
			HTTPOnly bool `json:"httpOnly"`
			SameSite string
		}
		ScriptSees  string
		AgainStatus int
		AgainText   string
	}
	run(t, "login", map[string]any{"link": f.s.ConsoleURL}, &got)
	is.Equal(got.Status, http.StatusOK)
	is.Equal(got.URL, f.base()+"/console/events")
	is.Equal(got.Title, "Webhooks · payhook")
	is.Equal(len(got.Cookies), 1)
	is.True(got.Cookies[0].HTTPOnly)                // no script reads the session
	is.Equal(got.Cookies[0].SameSite, "Strict")     // no other site sends it
	is.Equal(got.ScriptSees, "")                    // document.cookie
	is.Equal(got.AgainStatus, http.StatusForbidden) // the link works once
	is.True(strings.Contains(got.AgainText, "each works once"))
}

func TestConsoleListsFiltersAndPages(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	var ids []string
	for i := range 3 {
		ids = append(ids, f.post(t, "stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: fmt.Sprintf("evt_list_%d", i)}, nil))
	}
	for i := range 2 {
		ids = append(ids, f.post(t, "paypal", "PAYMENT.CAPTURE.COMPLETED", provider.SampleOptions{EventID: fmt.Sprintf("WH-LIST-%d", i)}, nil))
	}
	f.waitFor(t, "paypal", ids[4], store.StatusProcessed)
	type row struct{ Provider, ID, Status string }
	var got struct {
		Pages    [][]row
		Filtered []row
		Found    string
	}
	run(t, "list", map[string]any{"link": f.login(t), "base": f.base(), "find": ids[0]}, &got)
	is.Equal(len(got.Pages), 3) // 2, 2 and 1 a page
	var seen []string
	for _, page := range got.Pages {
		for _, r := range page {
			seen = append(seen, r.ID)
		}
	}
	is.Equal(seen, []string{ids[4], ids[3], ids[2], ids[1], ids[0]}) // newest first, each once
	is.Equal(len(got.Filtered), 2)
	for _, r := range got.Filtered {
		is.Equal(r.Provider, "paypal")
	}
	is.Equal(got.Found, "stripe "+ids[0])
}

// hostile are strings a stranger can put in a payment's metadata.
var hostile = map[string]any{
	"customer_name": `<script>window.__xss='script'</script>`,
	"note":          `"><img src=x onerror=window.__xss='img'>`,
	"website":       `javascript:window.__xss='link'`,
	"logo":          `<svg onload=window.__xss='svg'></svg>`,
}

func TestConsoleShowsAHostileBodyInert(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	id := f.post(t, "stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: "evt_hostile"}, func(doc map[string]any) {
		doc["data"].(map[string]any)["object"].(map[string]any)["metadata"] = hostile
		doc["data"].(map[string]any)["object"].(map[string]any)["description"] = `</pre><script>window.__xss='description'</script>`
	})
	f.waitFor(t, "stripe", id, store.StatusProcessed)
	var got struct {
		Ran             any
		Body            string
		Images          int
		ScriptsInMain   int
		JavascriptLinks int
		Messages        []string
	}
	run(t, "hostile", map[string]any{"link": f.login(t), "base": f.base(), "id": id}, &got)
	is.Equal(got.Ran, nil) // no script ran
	is.Equal(got.Images, 0)
	is.Equal(got.ScriptsInMain, 0)
	is.Equal(got.JavascriptLinks, 0)
	for _, s := range []string{`<script>window.__xss='script'</script>`, `<img src=x onerror=window.__xss='img'>`, `javascript:window.__xss='link'`} {
		is.True(strings.Contains(got.Body, s)) // shown, as text
	}
	t.Logf("browser console: %q", got.Messages)
}

func TestConsoleRefusesDNSRebinding(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	port := f.base()[strings.LastIndex(f.base(), ":")+1:]
	paths := []string{"/metrics", "/admin/hello?nonce=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/healthz", "/console/events", "/admin/events"}
	var got struct {
		Results []struct {
			Path   string
			Status int
			Body   string
			Error  string
		}
	}
	// The browser's own local-network protection is off, as in browsers
	// that have none: the listener must refuse by itself.
	args := []string{"--host-resolver-rules=MAP attacker.example 127.0.0.1",
		"--disable-features=LocalNetworkAccessChecks,PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults,BlockInsecurePrivateNetworkRequests"}
	run(t, "rebinding", map[string]any{"port": port, "paths": paths, "args": args}, &got)
	is.Equal(len(got.Results), len(paths))
	for _, r := range got.Results {
		is.Equal(r.Error, "")
		if r.Status != http.StatusForbidden || !strings.HasPrefix(r.Body, "refused:") {
			t.Errorf("%s through attacker.example: %d %q; want 403 refused", r.Path, r.Status, r.Body)
		}
	}
}

func TestConsoleRefusesACrossOriginPost(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	id := f.post(t, "stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: poison}, nil)
	f.waitFor(t, "stripe", id, store.StatusFailed)
	var got struct {
		Text    string
		Cookies int
	}
	// The lure is on another port of this machine: the same site, so the
	// SameSite=Strict cookie goes with its POST.
	run(t, "crossOriginPost", map[string]any{"link": f.login(t), "base": f.base(), "attacker": f.s.URL, "provider": "stripe", "id": id}, &got)
	is.Equal(got.Cookies, 1)
	is.True(strings.Contains(strings.ToLower(got.Text), "refused"))
	w, err := f.s.Store.GetWebhook(context.Background(), "stripe", id)
	is.NoErr(err)
	is.Equal(w.Status, store.StatusFailed) // not redriven
}

func TestConsoleRedrivesADeadLetterToProcessed(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	id := f.post(t, "stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: poison}, nil)
	f.waitFor(t, "stripe", id, store.StatusFailed)
	f.bug.Store(false) // the mapping is mended: a redrive now succeeds
	var got struct {
		Dead                 []struct{ Provider, ID, Status string }
		Before, Done, Status string
	}
	run(t, "redrive", map[string]any{"link": f.login(t), "base": f.base(), "id": id, "event": eventURL(f, "stripe", id)}, &got)
	is.Equal(len(got.Dead), 1)
	is.Equal(got.Dead[0].ID, id)
	is.Equal(got.Before, "FAILED")
	is.True(strings.HasPrefix(got.Done, "Redriven: stripe/"+id))
	is.Equal(got.Status, "PROCESSED")
	message := forward.MessageID("stripe", id)
	wait.Until(t, 2*time.Minute, "the redriven event forwarded to the app", func() bool { return f.app.count(message) == 1 })
}

func TestConsoleResendsAnEventToTheApp(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	id := f.post(t, "stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: "evt_resend"}, nil)
	f.waitFor(t, "stripe", id, store.StatusProcessed)
	message := forward.MessageID("stripe", id)
	wait.Until(t, 2*time.Minute, "the first forward", func() bool { return f.app.count(message) == 1 })
	var got struct{ Done string }
	run(t, "resend", map[string]any{"link": f.login(t), "base": f.base(), "event": eventURL(f, "stripe", id)}, &got)
	is.True(strings.HasPrefix(got.Done, "Resent 1"))
	wait.Until(t, 2*time.Minute, "the resend, with the same webhook-id", func() bool { return f.app.count(message) == 2 })
}

func TestConsoleShowsTheAuditTrailVerified(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	id := f.post(t, "stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: "evt_audit"}, nil)
	f.waitFor(t, "stripe", id, store.StatusProcessed)
	var got struct{ Verdict string }
	run(t, "audit", map[string]any{"link": f.login(t), "base": f.base()}, &got)
	is.True(strings.HasPrefix(got.Verdict, "Verified: "))
}

func TestConsoleRedrivesSelectedDeadLetters(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	ids := []string{poison + "_1", poison + "_2"}
	for _, id := range ids {
		f.post(t, "stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: id}, nil)
		f.waitFor(t, "stripe", id, store.StatusFailed)
	}
	f.bug.Store(false)
	var got struct{ Done string }
	run(t, "redriveSelected", map[string]any{"link": f.login(t), "base": f.base(), "ids": ids}, &got)
	is.Equal(got.Done, "2 of 2 redriven (status RETRY: the processor takes them from here).")
	for _, id := range ids {
		f.waitFor(t, "stripe", id, store.StatusProcessed)
	}
}
