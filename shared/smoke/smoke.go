// Package smoke proves that a running payhook works end to end: it sends
// one signed delivery per configured provider, follows each until the
// processor has marked it PROCESSED, then removes it. payhook smoke runs it
// after every deploy, and against payhook serve.
package smoke

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/store"
)

// EventIDPrefix starts the event id of every delivery smoke sends. The
// deploy role may read and delete only webhooks whose ids start with it
// (tofu/modules/github-oidc), and serve removes nothing else for smoke.
const EventIDPrefix = "payhook-smoke-"

// EventType is the type of smoke's deliveries. No provider sends it, so it
// becomes the canonical type "other": stored, processed and audited like
// any webhook, but it changes no payment and raises no alert.
const EventType = "payhook.smoke"

// Table is what smoke needs of the table the deployment writes to.
type Table interface {
	// Status is the stored webhook's status, or store.ErrNotFound.
	Status(ctx context.Context, provider, eventID string) (store.Status, error)
	// Remove deletes the webhook; one that is not there is not an error.
	Remove(ctx context.Context, provider, eventID string) error
}

// Target is the deployment under test.
type Target struct {
	// URL is the webhook base URL, such as https://.../dev/webhook: each
	// provider's delivery goes to URL/<provider>.
	URL string
	// Keys sign the deliveries: a provider they cannot sign for (PayPal,
	// without payhook serve's development signer) is skipped.
	Keys   provider.Keys
	Table  Table
	Client *http.Client
	// Wait bounds how long each delivery may take to be PROCESSED; Poll is
	// how often the table is read meanwhile.
	Wait time.Duration
	Poll time.Duration
}

// Outcome is how one provider's smoke test ended.
type Outcome string

const (
	Passed  Outcome = "passed"
	Skipped Outcome = "skipped"
	Failed  Outcome = "failed"
)

// Steps, as named in a failed Result.
const (
	StepSign    = "sign"
	StepSend    = "send"
	StepProcess = "process"
	StepRemove  = "remove"
)

// Result is one provider's smoke test.
type Result struct {
	Provider string
	// StoredAs is the provider name the webhook is stored under: Provider,
	// or "standard:<sender>" when the signing key belongs to a named
	// Standard Webhooks sender.
	StoredAs string
	EventID  string
	Outcome  Outcome
	// Step is where a failed test stopped.
	Step   string
	Detail string
	// Took is from sending to PROCESSED.
	Took time.Duration
}

// Run smoke-tests every provider the keys configure, in the registry's
// order, and reports each. A delivery that fails to be processed is left in
// the table for inspection.
func Run(ctx context.Context, t Target) []Result {
	results := make([]Result, len(registry.All))
	sentAt := map[int]time.Time{}
	for i, p := range registry.All {
		results[i] = Result{Provider: p.Name, StoredAs: p.Name}
		if !p.Configured(t.Keys) {
			results[i].Outcome, results[i].Detail = Skipped, "not configured"
			continue
		}
		results[i] = t.send(ctx, p)
		if results[i].Outcome == "" {
			sentAt[i] = time.Now()
		}
	}
	t.awaitProcessed(ctx, results, sentAt)
	for i := range sentAt {
		if results[i].Outcome != "" {
			continue
		}
		if err := t.Table.Remove(ctx, results[i].StoredAs, results[i].EventID); err != nil {
			results[i].Outcome, results[i].Step, results[i].Detail = Failed, StepRemove, err.Error()
			continue
		}
		results[i].Outcome = Passed
	}
	return results
}

// send signs and delivers one smoke event; a Result with no Outcome yet
// was accepted.
func (t Target) send(ctx context.Context, p provider.Provider) Result {
	r := Result{Provider: p.Name, StoredAs: p.Name}
	now := time.Now().UTC()
	body, id, err := p.Development.Sample(EventType, provider.SampleOptions{EventID: EventIDPrefix + randomHex(8), At: now})
	if err != nil {
		r.Outcome, r.Step, r.Detail = Failed, StepSign, err.Error()
		return r
	}
	r.EventID = id
	signed, err := p.Development.Sign(body, t.Keys, provider.Message{EventID: id, At: now})
	if errors.Is(err, provider.ErrNoSigningKey) {
		// The keys hold nothing to sign with, only what verifies (PayPal's
		// webhook id, a Standard Webhooks public key): nothing to test.
		r.Outcome, r.EventID, r.Detail = Skipped, "", "payhook cannot sign: "+err.Error()
		return r
	}
	if err != nil {
		r.Outcome, r.Step, r.Detail = Failed, StepSign, err.Error()
		return r
	}
	r.StoredAs = storedAs(ctx, p, signed, t.Keys, now)
	url := strings.TrimSuffix(t.URL, "/") + "/" + p.Name
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(signed.Body))
	if err != nil {
		r.Outcome, r.Step, r.Detail = Failed, StepSend, err.Error()
		return r
	}
	req.Header = signed.Header
	resp, err := t.Client.Do(req)
	if err != nil {
		r.Outcome, r.Step, r.Detail = Failed, StepSend, err.Error()
		return r
	}
	defer func() { _ = resp.Body.Close() }() // read only
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK || !accepted(p, answer) {
		r.Outcome, r.Step, r.Detail = Failed, StepSend, fmt.Sprintf("%s answered %d %s", url, resp.StatusCode, strings.TrimSpace(string(answer)))
	}
	return r
}

// awaitProcessed reads the table until every sent delivery is PROCESSED,
// FAILED, or out of time.
func (t Target) awaitProcessed(ctx context.Context, results []Result, sentAt map[int]time.Time) {
	deadline := time.Now().Add(t.Wait)
	pending := map[int]bool{}
	for i := range sentAt {
		pending[i] = true
	}
	last := map[int]string{}
	for len(pending) > 0 {
		for i := range pending {
			status, err := t.Table.Status(ctx, results[i].StoredAs, results[i].EventID)
			switch {
			case err == nil && status == store.StatusProcessed:
				results[i].Took = time.Since(sentAt[i])
				delete(pending, i)
			case err == nil && status == store.StatusFailed:
				results[i].Outcome, results[i].Step, results[i].Detail = Failed, StepProcess, "the processor marked it FAILED (left in the table, and named on the dead-letter queue)"
				delete(pending, i)
			case errors.Is(err, store.ErrNotFound):
				last[i] = "not in the table"
			case err != nil:
				last[i] = err.Error()
			default:
				last[i] = string(status)
			}
		}
		if len(pending) == 0 {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			for i := range pending {
				results[i].Outcome, results[i].Step = Failed, StepProcess
				results[i].Detail = fmt.Sprintf("still %s after %s (left in the table)", last[i], t.Wait)
			}
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(t.Poll):
		}
	}
}

// accepted reports whether answer says a new delivery was stored: payhook's
// JSON, or the acknowledgement the provider requires.
func accepted(p provider.Provider, answer []byte) bool {
	if p.Acknowledgement != nil {
		return bytes.Equal(answer, p.Acknowledgement.Body)
	}
	var status struct{ Status string }
	return json.Unmarshal(answer, &status) == nil && status.Status == "accepted"
}

// storedAs is where the deployment will store the delivery: its own
// verifier says (a Standard Webhooks key bound to a sender stores under
// "standard:<sender>"). A delivery it cannot verify here, with no
// certificates, is stored under the provider's name.
func storedAs(ctx context.Context, p provider.Provider, d provider.Delivery, keys provider.Keys, now time.Time) string {
	verified, err := p.NewVerifier(provider.Config{}).Verify(ctx, d, keys, now)
	if err != nil {
		return p.Name
	}
	return verified.Provider
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
