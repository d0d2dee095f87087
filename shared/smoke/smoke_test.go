package smoke_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/smoke"
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
		s.Shutdown(ctx)
	})
	return s
}

func target(t *testing.T, s *local.Server) smoke.Target {
	info, ok := local.RunningServe(s.DataDir)
	if !ok {
		t.Fatal("serve.json names no running serve")
	}
	return smoke.Target{
		URL: s.URL + "/webhook", Keys: s.Keys, PayPal: s.Dev.PayPal, Client: &http.Client{Timeout: 5 * time.Second},
		Table: local.SmokeTable{Remote: local.Remote{URL: info.URL, Token: info.Token}}, Wait: 10 * time.Second, Poll: 20 * time.Millisecond,
	}
}

// On AWS there is no PayPal signer: PayPal is reported as skipped, with the
// way to test it instead, and the others still pass.
func TestPayPalIsSkippedWithoutASigner(t *testing.T) {
	is := is.New(t)
	s := startServe(t)
	tgt := target(t, s)
	tgt.PayPal = nil

	results := smoke.Run(context.Background(), tgt)
	outcomes := map[string]smoke.Outcome{}
	for _, r := range results {
		outcomes[r.Provider] = r.Outcome
		if r.Provider == "paypal" {
			is.True(len(r.Detail) > 0)
			is.Equal(r.EventID, "") // nothing was sent
		}
	}
	is.Equal(outcomes, map[string]smoke.Outcome{"stripe": smoke.Passed, "square": smoke.Passed, "standard": smoke.Passed, "paypal": smoke.Skipped})
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
