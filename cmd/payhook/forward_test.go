//go:build !sandbox

package main_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/matryer/is"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/store"
)

// TestAForwardSurvivesSIGKILL: events processed while the app is down are
// queued durably; serve is killed; after a restart with the app back, every
// one arrives, verified with the Standard Webhooks reference library.
func TestAForwardSurvivesSIGKILL(t *testing.T) {
	is := is.New(t)
	secret := forward.NewSecret()
	wh, err := standardwebhooks.NewWebhook(secret)
	is.NoErr(err)
	var up atomic.Bool
	var mu sync.Mutex
	got := map[string]int{}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if err := wh.Verify(body, r.Header); err != nil {
			t.Errorf("verify: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mu.Lock()
		got[r.Header.Get("webhook-id")]++
		mu.Unlock()
	}))
	defer app.Close()

	dir := filepath.Join(t.TempDir(), "data")
	flags := []string{"--forward-to", app.URL + "/events"}
	env := forward.SecretsSetting + "=" + secret
	first, info := startServeWith(t, dir, flags, env)
	dev, err := local.LoadDevSecrets(dir)
	is.NoErr(err)
	var want []string
	for i := range 20 {
		id := fmt.Sprintf("evt_kill_%02d", i)
		body, _, err := samples.Build("stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: id, PaymentID: "pi_" + id})
		is.NoErr(err)
		signed, err := samples.Sign("stripe", body, dev.Keys, id, time.Now())
		is.NoErr(err)
		req, _ := http.NewRequest(http.MethodPost, info.URL+"/webhook/stripe", bytes.NewReader(signed.Body))
		req.Header = signed.Header
		resp, err := http.DefaultClient.Do(req)
		is.NoErr(err)
		resp.Body.Close()
		is.Equal(resp.StatusCode, http.StatusOK)
		want = append(want, forward.MessageID("stripe", id))
	}
	wait.Until(t, 30*time.Second, "all 20 queued for the app", func() bool {
		stdout, _, code := payhook(t, "forward", "status", "--json", "--data", dir)
		return code == 0 && strings.Contains(stdout, `"backlog": 20`)
	})
	is.NoErr(first.Process.Signal(syscall.SIGKILL))
	first.Wait()

	up.Store(true)
	startServeWith(t, dir, flags, env)
	wait.Until(t, 60*time.Second, "every queued event delivered after the restart", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, id := range want {
			if got[id] == 0 {
				return false
			}
		}
		return true
	})
	stdout, _, code := payhook(t, "forward", "status", "--data", dir)
	is.Equal(code, 0)
	is.True(strings.Contains(stdout, app.URL+"/events"))
	op, release, err := local.OpenOperator(dir)
	is.NoErr(err)
	defer func() { is.NoErr(release()) }()
	processed, err := op.Webhooks(context.Background(), store.WebhookFilter{Status: store.StatusProcessed})
	is.NoErr(err)
	is.Equal(len(processed), 20)
}

// TestForwardCommands: a destination that refuses ends on the forwarding
// dead-letter queue, events --forwards-failed lists it, redrive
// --forwards queues it again.
func TestForwardCommands(t *testing.T) {
	is := is.New(t)
	var refuse atomic.Bool
	refuse.Store(true)
	var delivered atomic.Int32
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if refuse.Load() {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		delivered.Add(1)
	}))
	defer app.Close()
	dir := filepath.Join(t.TempDir(), "data")
	_, _ = startServeWith(t, dir, []string{"--forward-to", app.URL})
	stdout, _, code := payhook(t, "send", "stripe", "payment_intent.succeeded", "--data", dir)
	is.Equal(code, 0)
	_ = stdout
	wait.Until(t, 30*time.Second, "the refused event dead-lettered", func() bool {
		out, _, code := payhook(t, "events", "--forwards-failed", "--data", dir)
		return code == 0 && strings.Contains(out, "answered 400")
	})
	refuse.Store(false)
	out, _, code := payhook(t, "redrive", "--forwards", "--data", dir)
	is.Equal(code, 0)
	is.True(strings.Contains(out, "1 forwarded events queued again"))
	wait.Until(t, 30*time.Second, "the redriven event delivered", func() bool { return delivered.Load() == 1 })
	out, _, code = payhook(t, "events", "--forwards-failed", "--data", dir)
	is.Equal(code, 0)
	is.True(!strings.Contains(out, "answered 400"))
}
