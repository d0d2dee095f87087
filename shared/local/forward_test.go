package local_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/store"
)

// app is the user's service: it verifies each message with the Standard
// Webhooks reference library and keeps what it accepted.
type app struct {
	t  *testing.T
	wh *standardwebhooks.Webhook
	mu sync.Mutex
	// ids in arrival order, and the body of each.
	ids    []string
	bodies map[string]forward.Body
}

func newApp(t *testing.T, secret string) (*app, string) {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	a := &app{t: t, wh: wh, bodies: map[string]forward.Body{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := a.wh.Verify(body, r.Header); err != nil {
			t.Errorf("the app could not verify a forwarded message: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var m forward.Body
		if err := json.Unmarshal(body, &m); err != nil {
			t.Errorf("forwarded body: %v", err)
		}
		a.mu.Lock()
		a.ids = append(a.ids, r.Header.Get("webhook-id"))
		a.bodies[r.Header.Get("webhook-id")] = m
		a.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return a, srv.URL + "/payhook"
}

func (a *app) received() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.ids...)
}

// post signs body as the provider and delivers it to s.
func post(t *testing.T, s *local.Server, name, eventType string, o provider.SampleOptions) string {
	t.Helper()
	body, id, err := samples.Build(name, eventType, o)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := samples.Sign(name, body, s.Keys, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/webhook/"+name, bytes.NewReader(signed.Body))
	req.Header = signed.Header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d", name, eventType, resp.StatusCode)
	}
	return id
}

func TestServeForwardsEveryProvidersAppliedEventsOnce(t *testing.T) {
	is := is.New(t)
	secret := forward.NewSecret()
	app, url := newApp(t, secret)
	opts := options(t, filepath.Join(t.TempDir(), "data"), nil)
	opts.Forward = local.Forwarding{URLs: []string{url}, Secrets: secret}
	logs := &syncBuffer{}
	opts.Log = observe.NewLogger(logs, "debug", "serve")
	s := start(t, opts)
	is.Equal(s.ForwardSecret, "") // from the environment: never printed
	defer func() { is.True(!strings.Contains(logs.String(), strings.TrimPrefix(secret, "whsec_"))) }()
	ctx := context.Background()

	for _, p := range registry.All {
		post(t, s, p.Name, p.Development.EventTypes()[0], provider.SampleOptions{PaymentID: "pay_" + p.Name, Amount: 1250, Currency: "EUR"})
	}
	var applied []store.Webhook
	wait.Until(t, 20*time.Second, "every webhook processed", func() bool {
		processed, err := s.Store.ListWebhooks(ctx, store.WebhookFilter{Status: store.StatusProcessed})
		is.NoErr(err)
		applied = applied[:0]
		for _, w := range processed {
			if w.Outcome == string(payment.Applied) {
				applied = append(applied, w)
			}
		}
		return len(processed) == len(registry.All)
	})
	is.True(len(applied) >= 5) // most providers' first sample changes a payment
	wait.Until(t, 20*time.Second, "every applied event forwarded", func() bool { return len(app.received()) == len(applied) })
	for _, w := range applied {
		m := app.bodies[forward.MessageID(w.Provider, w.EventID)]
		is.Equal(m.Data.EventID, w.EventID) // the provider's own event id
		is.Equal(m.Data.PaymentKey, w.Provider+"/pay_"+w.Provider)
	}

	// The provider delivers the Stripe event again, then a refund of the
	// same payment: the refund arrives, the duplicate never did.
	first := post(t, s, "stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: "evt_twice", PaymentID: "pi_twice", Amount: 500, Currency: "EUR"})
	is.Equal(post(t, s, "stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: "evt_twice", PaymentID: "pi_twice", Amount: 500, Currency: "EUR"}), first)
	refund := post(t, s, "stripe", "charge.refunded", provider.SampleOptions{PaymentID: "pi_twice", Amount: 500, Currency: "EUR"})
	wait.Until(t, 20*time.Second, "the refund forwarded", func() bool {
		ids := app.received()
		return len(ids) > 0 && ids[len(ids)-1] == forward.MessageID("stripe", refund)
	})
	count := 0
	for _, id := range app.received() {
		if id == forward.MessageID("stripe", first) {
			count++
		}
	}
	is.Equal(count, 1)

	var statuses []store.ForwardStatus
	wait.Until(t, 10*time.Second, "the last delivery recorded", func() bool {
		var err error
		statuses, err = s.Store.ForwardStatuses(ctx)
		is.NoErr(err)
		return len(statuses) == 1 && statuses[0].Backlog == 0
	})
	is.Equal(statuses[0].Destination, url)
	is.Equal(statuses[0].Delivered, int64(len(app.received())))

	delivered := fmt.Sprintf(`payhook_forwarded_total{destination=%q,outcome="delivered"} %d`, url, len(app.received()))
	backlog := fmt.Sprintf(`payhook_forward_backlog{destination=%q} 0`, url)
	wait.Until(t, 10*time.Second, "the metrics to count every delivery", func() bool {
		resp, err := http.Get(s.MetricsURL)
		is.NoErr(err)
		scraped, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		is.NoErr(err)
		return strings.Contains(string(scraped), delivered) && strings.Contains(string(scraped), backlog)
	})
}

func TestTheDevelopmentForwardingSecretIsMadeOnceAndKept(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	opts := options(t, dir, nil)
	opts.Forward = local.Forwarding{URLs: []string{"http://127.0.0.1:1/events"}}
	s, err := local.Start(opts)
	is.NoErr(err)
	is.True(s.ForwardSecretCreated)
	secret := s.ForwardSecret
	_, err = forward.ParseSecrets(secret)
	is.NoErr(err)
	is.NoErr(s.Shutdown(context.Background()))
	info, err := os.Stat(filepath.Join(s.DataDir, local.DevSecretsFile))
	is.NoErr(err)
	is.Equal(info.Mode().Perm(), os.FileMode(0o600))

	again := start(t, opts)
	is.True(!again.ForwardSecretCreated)
	is.Equal(again.ForwardSecret, secret)
	// The development keys of the providers are still there beside it.
	dev, err := local.LoadDevSecrets(dir)
	is.NoErr(err)
	is.True(len(dev.Keys) > 0)
}

func TestForwardingRefusesBadDestinations(t *testing.T) {
	for name, urls := range map[string][]string{
		"not a URL":      {"localhost:3000"},
		"credentials":    {"https://user:pw@example.com/hook"},
		"the same twice": {"http://127.0.0.1:1/a", "http://127.0.0.1:1/a"},
	} {
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			opts := options(t, filepath.Join(t.TempDir(), "data"), nil)
			opts.Forward = local.Forwarding{URLs: urls}
			_, err := local.Start(opts)
			is.True(err != nil)
		})
	}
}

// The forwarding admin routes sit behind the admin token like the others,
// and only the metrics answer without it: on the admin listener, never on
// the webhook one.
func TestForwardingsAdminRoutesNeedTheToken(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	s := start(t, options(t, dir, nil))
	info := serveInfo(t, dir)
	for _, route := range []struct{ method, path, body string }{
		{http.MethodGet, "/admin/forward/status", ""},
		{http.MethodGet, "/admin/forward/dead", ""},
		{http.MethodPost, "/admin/forward/redrive", `{}`},
	} {
		is.Equal(request(t, route.method, s.AdminURL+route.path, "", strings.NewReader(route.body)).StatusCode, http.StatusUnauthorized)
		is.Equal(request(t, route.method, s.URL+route.path, info.Token, strings.NewReader(route.body)).StatusCode, http.StatusNotFound)
		is.Equal(request(t, route.method, s.AdminURL+route.path, info.Token, strings.NewReader(route.body)).StatusCode, http.StatusOK)
	}
	is.Equal(request(t, http.MethodGet, s.URL+"/metrics", "", nil).StatusCode, http.StatusNotFound)
}
