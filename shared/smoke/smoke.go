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
	URL  string
	Keys provider.Keys
	// PayPal signs PayPal deliveries. Only a development signer exists:
	// PayPal signs with its own private key. nil skips PayPal.
	PayPal *provider.DevPayPal
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

// Providers are tested in this order.
var Providers = []string{"stripe", "square", "standard", "paypal"}

// Run smoke-tests every provider the keys configure and reports each. A
// delivery that fails to be processed is left in the table for inspection.
func Run(ctx context.Context, t Target) []Result {
	verifiers := provider.Verifiers(provider.DefaultTolerance, nil, provider.DefaultTolerance)
	results := make([]Result, len(Providers))
	sentAt := map[int]time.Time{}
	for i, name := range Providers {
		results[i] = Result{Provider: name, StoredAs: name}
		switch {
		case !verifiers[name].Enabled(t.Keys):
			results[i].Outcome, results[i].Detail = Skipped, "not configured"
		case name == "paypal" && t.PayPal == nil:
			results[i].Outcome, results[i].Detail = Skipped, "PayPal signs deliveries with its own private key, which payhook never holds: send one from PayPal's webhook simulator"
		default:
			results[i] = t.send(ctx, name)
			if results[i].Outcome == "" {
				sentAt[i] = time.Now()
			}
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
func (t Target) send(ctx context.Context, name string) Result {
	id := EventIDPrefix + randomHex(8)
	r := Result{Provider: name, StoredAs: storedAs(name, t.Keys), EventID: id}
	now := time.Now().UTC()
	body, err := json.Marshal(payload(name, id, now))
	if err != nil {
		r.Outcome, r.Step, r.Detail = Failed, StepSign, err.Error()
		return r
	}
	header, err := provider.Sign(name, body, t.Keys, t.PayPal, id, now)
	if err != nil {
		// The keys hold no secret to sign with, only what verifies (a
		// Standard Webhooks public key): nothing here can be tested.
		r.Outcome, r.Detail = Skipped, "payhook cannot sign: "+err.Error()
		return r
	}
	url := strings.TrimSuffix(t.URL, "/") + "/" + name
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		r.Outcome, r.Step, r.Detail = Failed, StepSend, err.Error()
		return r
	}
	req.Header = header
	resp, err := t.Client.Do(req)
	if err != nil {
		r.Outcome, r.Step, r.Detail = Failed, StepSend, err.Error()
		return r
	}
	defer func() { _ = resp.Body.Close() }() // read only
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var accepted struct{ Status string }
	if resp.StatusCode != http.StatusOK || json.Unmarshal(answer, &accepted) != nil || accepted.Status != "accepted" {
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

// payload is a minimal envelope of each provider's shape, with the smoke
// type and no payment in it.
func payload(name, id string, at time.Time) any {
	type obj = map[string]any
	switch name {
	case "stripe":
		return obj{"id": id, "object": "event", "type": EventType, "created": at.Unix(), "livemode": false, "data": obj{"object": obj{"id": id, "object": "payhook_smoke"}}}
	case "square":
		return obj{"merchant_id": "payhook-smoke", "type": EventType, "event_id": id, "created_at": at.Format(time.RFC3339), "data": obj{"type": "payhook_smoke", "id": id, "object": obj{}}}
	case "paypal":
		return obj{"id": id, "event_type": strings.ToUpper(EventType), "create_time": at.Format(time.RFC3339), "resource_type": "payhook_smoke", "resource": obj{}}
	}
	return obj{"type": EventType, "timestamp": at.Format(time.RFC3339), "data": obj{}} // Standard Webhooks
}

// storedAs is where a delivery signed with the provider's first key is
// stored: a Standard Webhooks key bound to a sender stores under that
// sender's name.
func storedAs(name string, keys provider.Keys) string {
	if name != "standard" || len(keys.StandardWebhookSecrets) == 0 {
		return name
	}
	key, err := provider.ParseStandardKey(keys.StandardWebhookSecrets[0])
	if err != nil {
		return name
	}
	return provider.StandardProvider(key.Sender)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
