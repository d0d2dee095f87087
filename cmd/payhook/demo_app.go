package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/standard"
	"github.com/payhook/payhook/shared/store"
)

// demoApp is the user's own service in the demo: it receives the
// forwarded payment events and verifies each as any Standard Webhooks
// consumer would.
type demoApp struct {
	URL    string
	secret string
	server *http.Server
	mu     sync.Mutex
	events map[string]forward.Body // by webhook-id
	order  []string                // webhook-ids as they first arrived
	forged int
}

func startDemoApp() (*demoApp, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &demoApp{URL: "http://" + l.Addr().String() + "/payment-events", events: map[string]forward.Body{}}
	a.server = &http.Server{Handler: http.HandlerFunc(a.receive), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = a.server.Serve(l) }() // ends with Close
	return a, nil
}

func (a *demoApp) receive(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	d := provider.Delivery{Header: r.Header, Body: body}
	if _, err := (standard.Verifier{}).Verify(r.Context(), d, provider.Keys{standard.Secrets: {a.secret}}, time.Now()); err != nil {
		a.forged++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var m forward.Body
	if err := json.Unmarshal(body, &m); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	id := r.Header.Get("webhook-id")
	if _, seen := a.events[id]; !seen {
		a.order = append(a.order, id)
	}
	a.events[id] = m // a redelivery is the same event: kept once
	w.WriteHeader(http.StatusNoContent)
}

// trust sets the secret the app verifies with: serve's, once it started.
func (a *demoApp) trust(secret string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.secret = secret
}

func (a *demoApp) Close() error { return a.server.Close() }

// story waits until the app has every applied event, and shows them.
func (a *demoApp) story(out io.Writer, op operate.Operator) []string {
	fmt.Fprintln(out, "\nyour app (payhook serve --forward-to "+a.URL+")")
	webhooks, err := op.Webhooks(context.Background(), store.WebhookFilter{Status: store.StatusProcessed})
	if err != nil {
		return []string{err.Error()}
	}
	want := map[string]bool{}
	for _, w := range webhooks {
		if w.Outcome == string(payment.Applied) {
			want[forward.MessageID(w.Provider, w.EventID)] = true
		}
	}
	arrived := func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		for id := range want {
			if _, ok := a.events[id]; !ok {
				return false
			}
		}
		return true
	}
	var problems []string
	if err := waitFor(arrived); err != nil {
		problems = append(problems, "not every applied payment event reached the app")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	ids := a.order
	for _, id := range ids {
		m := a.events[id]
		fmt.Fprintf(out, "  ✓ %-26s %-32s %10s %-3s  webhook-id %s, signature verified\n",
			m.Type, m.Data.PaymentKey, amount(m.Data.AmountMinor, m.Data.Currency, m.Data.AmountUnknown), m.Data.Currency, id)
	}
	fmt.Fprintf(out, "  %d events received, as they arrived: one per applied event, each payment's in the order payhook applied them\n", len(ids))
	if len(ids) != len(want) {
		problems = append(problems, fmt.Sprintf("the app received %d events, want %d (one per applied event)", len(ids), len(want)))
	}
	if a.forged > 0 {
		problems = append(problems, "the app received a message it could not verify")
	}
	return problems
}
