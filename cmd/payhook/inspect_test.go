//go:build !sandbox

package main_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/dynamo"
)

// app stands in for the user's endpoint: it refuses its first message
// with a 503, then takes every one, and keeps each webhook-id.
type app struct {
	mu  sync.Mutex
	ids []string
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ids = append(a.ids, r.Header.Get("webhook-id"))
	if len(a.ids) == 1 {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *app) received(id string) int {
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

// TestInspectAndReplayWhileServing: the person on call lists what arrived,
// opens one webhook and its payment, and sends an event to the app again,
// through serve's admin API.
func TestInspectAndReplayWhileServing(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	endpoint := &app{}
	server := httptest.NewServer(endpoint)
	defer server.Close()
	startServeWith(t, dir, []string{"--forward-to", server.URL + "/events"})
	for _, send := range [][]string{
		{"stripe", "payment_intent.succeeded", "--event-id", "evt_paid", "--amount", "2500", "--currency", "EUR"},
		{"stripe", "charge.refunded", "--event-id", "evt_refund", "--amount", "2500", "--currency", "EUR"},
		{"paypal", "PAYMENT.CAPTURE.COMPLETED", "--event-id", "WH-1"},
	} {
		_, stderr, code := payhook(t, append(append([]string{"send"}, send...), "--payment-id", "pi_on_call", "--data", dir)...)
		is.Equal(stderr, "")
		is.Equal(code, 0)
	}
	paid := forward.MessageID("stripe", "evt_paid")
	wait.Until(t, 60*time.Second, "both Stripe events forwarded, the first after a 503", func() bool {
		return endpoint.received(paid) == 2 && endpoint.received(forward.MessageID("stripe", "evt_refund")) == 1
	})

	stdout, _, code := payhook(t, "events", "--limit", "1", "--provider", "stripe", "--data", dir)
	is.Equal(code, 0)
	is.True(strings.Contains(stdout, "evt_refund"))
	is.True(!strings.Contains(stdout, "evt_paid")) // newest first, one a page
	is.True(strings.Contains(stdout, "stripe/pi_on_call"))
	next := stdout[strings.Index(stdout, "more: payhook ")+len("more: payhook "):]
	stdout, _, code = payhook(t, strings.Fields(next)...) // the printed command is the next page
	is.Equal(code, 0)
	is.True(strings.Contains(stdout, "evt_paid"))
	is.True(!strings.Contains(stdout, "more: "))
	stdout, _, _ = payhook(t, "events", "--type", "PAYMENT.CAPTURE.COMPLETED", "--status", "processed", "--data", dir)
	is.True(strings.Contains(stdout, "WH-1") && !strings.Contains(stdout, "evt_"))
	stdout, _, _ = payhook(t, "events", "--payment", "stripe/pi_on_call", "--source", "webhook", "--since", "1h", "--data", dir)
	is.True(strings.Contains(stdout, "evt_paid") && strings.Contains(stdout, "evt_refund") && !strings.Contains(stdout, "WH-1"))

	stdout, _, code = payhook(t, "events", "show", "stripe", "evt_paid", "--data", dir)
	is.Equal(code, 0)
	for _, want := range []string{
		"received    ", "as a webhook", "Stripe-Signature: (a signature: not shown)", "PROCESSED (applied)",
		"stripe/pi_on_call: status new -> succeeded", "payment.succeeded, payment pi_on_call, 25.00 EUR", paid,
		`    "object": "event",`, // the body, indented
		"INSERT  - -> RECEIVED  by receiver", "MODIFY  RECEIVED -> PROCESSED  by processor", "v0 -> v1",
		server.URL + "/events  delivered", "2 attempts", "answered 503", "answered 204",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("events show lacks %q:\n%s", want, stdout)
		}
	}
	is.True(!strings.Contains(stdout, "v1=")) // no signature value

	stdout, _, code = payhook(t, "payments", "show", "stripe/pi_on_call", "--data", dir)
	is.Equal(code, 0)
	is.True(strings.Contains(stdout, "status    refunded"))
	timeline := stdout[strings.Index(stdout, "timeline"):]
	is.True(strings.Index(timeline, "evt_paid") < strings.Index(timeline, "evt_refund")) // in order
	is.True(strings.Contains(stdout, "status succeeded -> refunded"))
	is.True(strings.Contains(stdout, "version 1 -> 2"))

	stdout, stderr, code := payhook(t, "resend", "stripe", "evt_paid", "--data", dir)
	is.Equal(stderr, "")
	is.Equal(code, 0)
	is.True(strings.Contains(stdout, "1 events resent with their message ids unchanged"))
	wait.Until(t, 30*time.Second, "the resend to arrive, with the same id", func() bool { return endpoint.received(paid) == 3 })
	stdout, _, _ = payhook(t, "events", "show", "stripe", "evt_paid", "--data", dir)
	is.True(strings.Contains(stdout, "resent 1"))

	stdout, _, code = payhook(t, "resend", "--payment", "stripe/pi_on_call", "--dry-run", "--data", dir)
	is.Equal(code, 0)
	is.True(strings.Contains(stdout, "would resend 2 applied events"))

	for args, want := range map[string]string{
		"events --provider strip":    `payhook events: --provider "strip": want one of stripe, paypal`,
		"events --status done":       `payhook events: --status "done": want one of RECEIVED, PROCESSED, FAILED, RETRY`,
		"events --payment pi_1":      `payhook events: --payment "pi_1": want <provider>/<payment id>`,
		"events --since yesterday":   `payhook events: --since yesterday: a time such as`,
		"events --source email":      `payhook events: --source "email": want webhook or reconcile`,
		"payments show pi_on_call":   `payhook payments show: payment "pi_on_call": want <provider>/<payment id>`,
		"resend":                     `payhook resend: give <provider> <event id>, --payment`,
		"redrive --status processed": `payhook redrive: status PROCESSED: a redrive takes back FAILED webhooks`,
		"events show stripe":         `payhook events show: want: events show <provider> <event id>`,
		"events show strip evt_paid": `payhook events show: provider "strip"`,
	} {
		_, stderr, code := payhook(t, append(strings.Fields(args), "--data", dir)...)
		if !strings.HasPrefix(stderr, want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s: %q, want %q...", args, stderr, want)
		}
		is.True(code != 0)
	}
}

// TestEventsShowLeavesABodyInert: a body is written by a stranger; what
// would move a terminal's cursor or clear its screen is shown as text.
func TestEventsShowLeavesABodyInert(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	is.NoErr(os.MkdirAll(dir, 0o700))
	st, err := local.OpenStore(dir)
	is.NoErr(err)
	at := time.Now().UTC()
	raw := "{\"id\":\"evt_hostile\",\"type\":\"x\",\"note\":\"\x1b[2J\u202e\"}\n\x1b]0;owned\x07"
	_, err = st.PutWebhook(context.Background(), store.Webhook{Provider: "stripe", EventID: "evt_hostile", EventType: "x\x1b[31m", Body: []byte(raw),
		Status: store.StatusFailed, LastError: "bad \x1b[1A", ReceivedAt: at, ExpiresAt: at.Add(time.Hour), SignatureHeaders: map[string]string{"X-Note\x1b": "v\x1b[2J"}})
	is.NoErr(err)
	is.NoErr(st.Close())
	stdout, stderr, code := payhook(t, "events", "show", "stripe", "evt_hostile", "--data", dir)
	is.Equal(stderr, "")
	is.Equal(code, 0)
	is.True(!strings.ContainsAny(stdout, "\x1b\x07\u202e")) // nothing a terminal obeys
	is.True(strings.Contains(stdout, `\x1b]0;owned\x07`))   // shown as text
	is.True(strings.Contains(stdout, `x\x1b[31m`))
}

// TestBulkRedriveByFilter: FAILED webhooks of one provider are counted,
// then redriven a page at a time, and the next serve processes them.
func TestBulkRedriveByFilter(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	is.NoErr(os.MkdirAll(dir, 0o700))
	st, err := local.OpenStore(dir)
	is.NoErr(err)
	seedFailed(t, st, "square", 25)
	seedFailed(t, st, "stripe", 3)
	is.NoErr(st.Close())

	stdout, _, code := payhook(t, "redrive", "--provider", "square", "--dry-run", "--data", dir)
	is.Equal(code, 0)
	is.Equal(stdout, "would redrive 25 webhooks (provider square, status FAILED); nothing was changed\n")
	stdout, _, code = payhook(t, "redrive", "--provider", "square", "--page-size", "10", "--rate", "1000", "--data", dir)
	is.Equal(code, 0)
	is.Equal(stdout, "25 redriven (status RETRY; the processor takes them from here), 0 left alone (provider square, status FAILED)\n")
	is.Equal(len(eventsJSON(t, "--status", "RETRY", "--data", dir)), 25)
	is.Equal(len(eventsJSON(t, "--status", "FAILED", "--data", dir)), 3) // the other provider's stay

	startServe(t, dir)
	wait.Until(t, 60*time.Second, "the redriven webhooks processed", func() bool {
		return len(eventsJSON(t, "--status", "PROCESSED", "--data", dir)) == 25
	})
	stdout, _, code = payhook(t, "redrive", "--status", "failed", "--since", "1h", "--dry-run", "--data", dir) // through serve now
	is.Equal(code, 0)
	is.True(strings.HasPrefix(stdout, "would redrive 3 webhooks"))
}

// seedFailed stores n FAILED webhooks of provider, each a genuine sample.
func seedFailed(t *testing.T, st store.Webhooks, provider string, n int) {
	t.Helper()
	eventType := map[string]string{"square": "payment.updated", "stripe": "payment_intent.succeeded"}[provider]
	for i := range n {
		body, id, err := samples.Build(provider, eventType, providerOptions(fmt.Sprintf("%s-failed-%d", provider, i)))
		if err != nil {
			t.Fatal(err)
		}
		at := time.Now().UTC().Add(-time.Minute)
		_, err = st.PutWebhook(context.Background(), store.Webhook{Provider: provider, EventID: id, EventType: eventType, Body: body, Status: store.StatusFailed,
			LastError: "the processor's bug, since fixed", Attempts: 1, ReceivedAt: at, ExpiresAt: at.Add(time.Hour), UpdatedBy: store.ByProcessor})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func providerOptions(id string) provider.SampleOptions {
	return provider.SampleOptions{EventID: id, PaymentID: "pay-" + id}
}

// TestInspectAndRedriveOnDynamoDB runs the commands with --table against
// DynamoDB Local, as an operator does against a deployment.
func TestInspectAndRedriveOnDynamoDB(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	client := testenv.DynamoDB(t)
	table := testenv.UniqueName(t)
	is.NoErr(dynamo.CreateTable(ctx, client, table))
	st := dynamo.New(client, table)
	seedFailed(t, st, "square", 4)
	body, id, err := samples.Build("stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: "evt_aws", PaymentID: "pi_aws", Amount: 1250, Currency: "EUR"})
	is.NoErr(err)
	at := time.Now().UTC()
	w := store.Webhook{Provider: "stripe", EventID: id, EventType: "payment_intent.succeeded", Body: body, Status: store.StatusReceived, ReceivedAt: at,
		ExpiresAt: at.Add(time.Hour), SignatureHeaders: map[string]string{"Stripe-Signature": "t=1,v1=abc"}}
	_, err = st.PutWebhook(ctx, w)
	is.NoErr(err)
	next := payment.State{Provider: "stripe", PaymentID: "pi_aws", Status: payment.StatusSucceeded, AmountMinor: 1250, Currency: "EUR", Version: 1, History: []string{id}}
	change := payment.Diff(payment.State{}, next)
	is.NoErr(st.CommitProcessed(ctx, store.Commit{Webhook: w, Payment: &next, Change: &change, Verdict: payment.Verdict{Outcome: payment.Applied}, At: at}))

	aws := func(args ...string) (string, string, int) {
		t.Helper()
		return payhookWithEnv(t, []string{"AWS_ENDPOINT_URL_DYNAMODB=" + testenv.DynamoDBEndpoint(t), "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local"},
			append(args, "--table", table, "--region", testenv.Region)...)
	}
	stdout, stderr, code := aws("events", "--status", "FAILED", "--limit", "3")
	is.Equal(stderr, "")
	is.Equal(code, 0)
	is.Equal(strings.Count(stdout, "square-failed-"), 3)
	is.True(strings.Contains(stdout, "more: payhook events"))
	stdout, _, code = aws("events", "show", "stripe", "evt_aws")
	is.Equal(code, 0)
	is.True(strings.Contains(stdout, "stripe/pi_aws: status new -> succeeded"))
	is.True(strings.Contains(stdout, "aws logs filter-log-events --log-group-name /aws/lambda/"+table+"-auditor"))
	stdout, _, code = aws("payments", "show", "stripe/pi_aws")
	is.Equal(code, 0)
	is.True(strings.Contains(stdout, "amount    12.50 EUR"))
	stdout, _, code = aws("redrive", "--provider", "square", "--dry-run")
	is.Equal(code, 0)
	is.True(strings.HasPrefix(stdout, "would redrive 4 webhooks"))
	stdout, _, code = aws("redrive", "--provider", "square")
	is.Equal(code, 0)
	is.True(strings.HasPrefix(stdout, "4 redriven"))
	got, err := st.GetWebhook(ctx, "square", "square-failed-0")
	is.NoErr(err)
	is.Equal(got.Status, store.StatusRetry)
}
