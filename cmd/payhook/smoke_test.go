//go:build !sandbox

package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider/registry"
)

// TestSmokeAgainstServe runs payhook smoke as deploy.yml does after an
// apply, against serve: every provider passes, and nothing is left behind.
func TestSmokeAgainstServe(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	startServe(t, dir)
	_, stderr, code := payhook(t, "send", "stripe", "payment_intent.succeeded", "--payment-id", "pi_before_smoke", "--data", dir)
	is.Equal(code, 0) // a real payment, to show smoke leaves it alone
	is.Equal(stderr, "")

	stdout, stderr, code := payhook(t, "smoke", "--data", dir)
	is.Equal(stderr, "")
	is.Equal(code, 0)
	for _, provider := range registry.Names() {
		is.True(strings.Contains(stdout, fmt.Sprintf("  %-10s passed ", provider))) // one line per provider
	}
	all := len(registry.All)
	is.True(strings.HasSuffix(stdout, fmt.Sprintf("%d passed, 0 skipped, 0 failed\n", all)))

	views := eventsJSON(t, "--data", dir)
	is.Equal(len(views), 1) // smoke removed what it wrote
	is.Equal(views[0].EventType, "payment_intent.succeeded")

	stdout, _, code = payhook(t, "payments", "--json", "--data", dir)
	is.Equal(code, 0)
	var states []payment.State
	is.NoErr(json.Unmarshal([]byte(stdout), &states))
	is.Equal(len(states), 1) // and touched no payment
	is.Equal(states[0].PaymentID, "pi_before_smoke")

	audit, err := os.ReadFile(filepath.Join(dir, local.AuditFile))
	is.NoErr(err)
	is.Equal(strings.Count(string(audit), `"event_name":"REMOVE"`), all) // the removals are audited
}

// TestSmokeNamesTheFailingStep: a smoke test that fails exits non-zero,
// saying which provider failed at which step.
func TestSmokeNamesTheFailingStep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	startServe(t, dir)

	t.Run("nothing answers at the URL", func(t *testing.T) {
		is := is.New(t)
		stdout, stderr, code := payhook(t, "smoke", "--data", dir, "--url", "http://127.0.0.1:1/webhook")
		is.Equal(code, 1)
		is.True(strings.Contains(stdout, "stripe     FAILED"))
		var failed []string
		for _, name := range registry.Names() {
			failed = append(failed, name+" at send")
		}
		is.Equal(stderr, "payhook smoke: failed: "+strings.Join(failed, ", ")+"\n")
	})

	t.Run("the deployment holds other keys", func(t *testing.T) {
		is := is.New(t)
		cmd := exec.Command(binary, "smoke", "--data", dir)
		cmd.Env = append(cleanEnv(), "PAYHOOK_STRIPE_SIGNING_SECRETS=whsec_not_the_deployed_one")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		is.True(err != nil) // exits non-zero
		is.True(strings.Contains(stdout.String(), `answered 401 {"error":"invalid_signature"}`))
		is.True(strings.Contains(stdout.String(), "square     skipped  not configured"))
		is.Equal(stderr.String(), "payhook smoke: failed: stripe at send\n")
	})

	t.Run("no serve is running", func(t *testing.T) {
		is := is.New(t)
		_, stderr, code := payhook(t, "smoke", "--data", filepath.Join(t.TempDir(), "none"))
		is.Equal(code, 1)
		is.True(strings.Contains(stderr, "no payhook serve is running on"))
	})

	t.Run("AWS needs the URL", func(t *testing.T) {
		is := is.New(t)
		_, stderr, code := payhook(t, "smoke", "--table", "payhook-dev")
		is.Equal(code, 2)
		is.Equal(stderr, "payhook smoke: --table needs --url, the deployment's webhook base URL\n")
	})
}

func TestSmokeHasHelpAndOneLineErrors(t *testing.T) {
	is := is.New(t)
	stdout, _, code := payhook(t, "smoke", "--help")
	is.Equal(code, 0)
	is.True(strings.HasPrefix(stdout, "Usage: payhook smoke"))

	_, stderr, code := payhook(t, "smoke", "--no-such-flag")
	is.Equal(code, 2)
	is.Equal(strings.Count(stderr, "\n"), 1)
}
