package smoke_test

import (
	"context"
	"encoding/base64"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/provider/paypal"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/provider/standard"
	"github.com/payhook/payhook/shared/smoke"
	"github.com/payhook/payhook/shared/store"
)

func noEnv(string) (string, bool) { return "", false }

// startServe runs the whole pipeline in-process on development secrets.
func startServe(t *testing.T) *local.Server {
	t.Helper()
	var cfg config.Receiver
	if err := config.Load(noEnv, &cfg); err != nil {
		t.Fatal(err)
	}
	s, err := local.Start(local.Options{Addr: "127.0.0.1:0", DataDir: filepath.Join(t.TempDir(), "data"), Receiver: cfg, Lookup: noEnv, Log: observe.NewLogger(io.Discard, "error", "smoke-test")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx) // the test is over
	})
	return s
}

func target(t *testing.T, s *local.Server) smoke.Target {
	info, ok := local.RunningServe(s.DataDir)
	if !ok {
		t.Fatal("serve.json names no running serve")
	}
	tgt := smoke.Target{
		URL: s.URL + "/webhook", Keys: s.Keys, Client: &http.Client{Timeout: 5 * time.Second},
		Table: local.SmokeTable{Remote: operate.Remote{URL: info.AdminURL, Token: info.Token}}, Wait: 10 * time.Second, Poll: 20 * time.Millisecond,
	}
	return tgt
}

// On AWS there is no PayPal signer: PayPal is reported as skipped, with the
// way to test it instead, and the others still pass.
func TestPayPalIsSkippedWithoutASigner(t *testing.T) {
	is := is.New(t)
	s := startServe(t)
	tgt := target(t, s)
	tgt.Keys = maps.Clone(tgt.Keys)
	delete(tgt.Keys, paypal.DevelopmentSigner)

	results := smoke.Run(context.Background(), tgt)
	outcomes := map[string]smoke.Outcome{}
	for _, r := range results {
		outcomes[r.Provider] = r.Outcome
		if r.Provider == "paypal" {
			is.True(len(r.Detail) > 0)
			is.Equal(r.EventID, "") // nothing was sent
		}
	}
	want := map[string]smoke.Outcome{}
	for _, name := range registry.Names() {
		want[name] = smoke.Passed
	}
	want["paypal"] = smoke.Skipped
	is.Equal(outcomes, want)
}

// Only smoke's own webhooks can be removed through serve.
func TestServeRemovesOnlySmokeWebhooks(t *testing.T) {
	is := is.New(t)
	s := startServe(t)
	tgt := target(t, s)
	err := tgt.Table.Remove(context.Background(), "stripe", "evt_a_real_payment")
	is.True(err != nil)
	is.Equal(err.Error(), "payhook serve: only a smoke test's webhooks can be removed")
	is.NoErr(tgt.Table.Remove(context.Background(), "stripe", smoke.EventIDPrefix+"never-sent")) // absent: nothing to do
}

// A Standard Webhooks key bound to a sender stores its deliveries under
// "standard:<sender>": smoke follows and removes them there.
func TestNamedStandardSenderPasses(t *testing.T) {
	is := is.New(t)
	env := map[string]string{standard.Secrets: "acme=whsec_" + base64.StdEncoding.EncodeToString([]byte("a-named-senders-secret"))}
	lookup := func(name string) (string, bool) { v, ok := env[name]; return v, ok }
	var cfg config.Receiver
	is.NoErr(config.Load(noEnv, &cfg))
	s, err := local.Start(local.Options{Addr: "127.0.0.1:0", DataDir: filepath.Join(t.TempDir(), "data"), Receiver: cfg, Lookup: lookup, Log: observe.NewLogger(io.Discard, "error", "smoke-test")})
	is.NoErr(err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx) // the test is over
	})

	results := smoke.Run(context.Background(), target(t, s))
	for _, r := range results {
		if r.Provider == "standard" {
			is.Equal(r.Outcome, smoke.Passed)
			is.Equal(r.StoredAs, "standard:acme")
		}
	}
	views, err := operate.Remote{URL: s.AdminURL, Token: mustInfo(t, s).Token}.Webhooks(context.Background(), store.WebhookFilter{})
	is.NoErr(err)
	is.Equal(len(views), 0) // removed from where it was stored
}

func mustInfo(t *testing.T, s *local.Server) local.ServeInfo {
	info, ok := local.RunningServe(s.DataDir)
	if !ok {
		t.Fatal("serve.json names no running serve")
	}
	return info
}
