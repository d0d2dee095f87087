package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/provider/stripe"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/store"
)

// The demo's failing webhook: its mapping "has a bug" until the redrive.
const demoPoison = "demo-poison-event"

// step is one delivery of the story and the answer it must get.
type step struct {
	story               string
	provider, eventType string
	opts                provider.SampleOptions
	// forge signs with a wrong secret; stale signs ten minutes ago.
	forge, stale bool
	wantStatus   int
	wantAnswer   string
	// settle waits for the processor to finish this delivery before the
	// next step, where order is the point of the story.
	settle bool
}

var story = []step{
	{story: "a card payment succeeds", provider: "stripe", eventType: "payment_intent.succeeded", opts: provider.SampleOptions{EventID: "evt_demo_paid", PaymentID: "pi_demo_paid", Amount: 4200}, wantStatus: 200, wantAnswer: "accepted"},
	{story: "a PayPal capture completes", provider: "paypal", eventType: "PAYMENT.CAPTURE.COMPLETED", opts: provider.SampleOptions{EventID: "WH-DEMO-CAPTURE", PaymentID: "CAP-DEMO-1", Amount: 1999, Currency: "EUR"}, wantStatus: 200, wantAnswer: "accepted"},
	{story: "a Square payment completes", provider: "square", eventType: "payment.updated", opts: provider.SampleOptions{EventID: "sq-demo-paid", PaymentID: "SQ-DEMO-1", Amount: 1500}, wantStatus: 200, wantAnswer: "accepted"},
	{story: "a GoCardless Direct Debit is confirmed", provider: "gocardless", eventType: "payments.confirmed", opts: provider.SampleOptions{EventID: "EVDEMOCONFIRM", PaymentID: "PM-DEMO-1"}, wantStatus: 200, wantAnswer: "accepted"},
	{story: "a Standard Webhooks sender reports a payment", provider: "standard", eventType: "payment.succeeded", opts: provider.SampleOptions{EventID: "msg_demo_paid", PaymentID: "pay_demo_1", Amount: 100000, Currency: "JPY"}, wantStatus: 200, wantAnswer: "accepted"},
	{story: "Stripe retries the first delivery", provider: "stripe", eventType: "payment_intent.succeeded", opts: provider.SampleOptions{EventID: "evt_demo_paid", PaymentID: "pi_demo_paid", Amount: 4200}, wantStatus: 200, wantAnswer: "duplicate"},
	{story: "someone forges a Stripe signature", provider: "stripe", eventType: "charge.succeeded", opts: provider.SampleOptions{EventID: "evt_demo_forged", PaymentID: "pi_demo_forged"}, forge: true, wantStatus: 401, wantAnswer: "invalid_signature"},
	{story: "someone replays a ten-minute-old delivery", provider: "stripe", eventType: "charge.succeeded", opts: provider.SampleOptions{EventID: "evt_demo_stale", PaymentID: "pi_demo_stale"}, stale: true, wantStatus: 401, wantAnswer: "timestamp_out_of_tolerance"},
	{story: "a refund arrives before its payment", provider: "stripe", eventType: "charge.refunded", opts: provider.SampleOptions{EventID: "evt_demo_refund", PaymentID: "pi_demo_refunded", Amount: 3000}, wantStatus: 200, wantAnswer: "accepted", settle: true},
	{story: "then the late payment arrives", provider: "stripe", eventType: "payment_intent.succeeded", opts: provider.SampleOptions{EventID: "evt_demo_late", PaymentID: "pi_demo_refunded", Amount: 3000}, wantStatus: 200, wantAnswer: "accepted", settle: true},
	{story: "a buyer opens a dispute", provider: "paypal", eventType: "CUSTOMER.DISPUTE.CREATED", opts: provider.SampleOptions{EventID: "WH-DEMO-DISPUTE", PaymentID: "CAP-DEMO-1", Amount: 1999, Currency: "EUR"}, wantStatus: 200, wantAnswer: "accepted", settle: true},
	{story: "a payment meets a mapping bug", provider: "square", eventType: "payment.updated", opts: provider.SampleOptions{EventID: demoPoison, PaymentID: "SQ-DEMO-2", Amount: 800}, wantStatus: 200, wantAnswer: "accepted", settle: true},
}

// Where each payment must end.
var wantPayments = map[string]payment.Status{
	"stripe/pi_demo_paid": payment.StatusSucceeded, "paypal/CAP-DEMO-1": payment.StatusSucceeded, "square/SQ-DEMO-1": payment.StatusSucceeded,
	"standard/pay_demo_1": payment.StatusSucceeded, "gocardless/PM-DEMO-1": payment.StatusSucceeded, "stripe/pi_demo_refunded": payment.StatusRefunded, "square/SQ-DEMO-2": payment.StatusSucceeded,
}

// recordedAlerts keeps the alerts the demo's server raises.
type recordedAlerts struct {
	mu     sync.Mutex
	alerts []notify.Alert
}

func (r *recordedAlerts) Alert(_ context.Context, a notify.Alert) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.alerts = append(r.alerts, a)
	return nil
}

func (r *recordedAlerts) list() []notify.Alert {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]notify.Alert(nil), r.alerts...)
}

func newDemoCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo [--keep]",
		Short: "run a scripted story through the whole pipeline, then report",
		Args:  noArgs,
	}
	fs := cmd.Flags()
	keep := fs.Bool("keep", false, "keep the demo's data directory and print where it is")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		stdout := cmd.OutOrStdout()
		dir, err := os.MkdirTemp("", "payhook-demo-")
		if err != nil {
			return err
		}
		if !*keep {
			defer func() { _ = os.RemoveAll(dir) }() // a temporary directory: the system cleans up what this misses
		}
		var cfg config.Receiver
		if err := config.Load(func(string) (string, bool) { return "", false }, &cfg); err != nil {
			return err
		}
		alerts := &recordedAlerts{}
		var bugOnce sync.Once
		app, err := startDemoApp()
		if err != nil {
			return err
		}
		defer func() { _ = app.Close() }() // the demo's own listener
		server, err := local.Start(local.Options{
			Forward: local.Forwarding{URLs: []string{app.URL}},
			Addr:    "127.0.0.1:0", DataDir: dir, Receiver: cfg, Lookup: func(string) (string, bool) { return "", false },
			Log: observe.NewLogger(io.Discard, "error", "demo"), Alerter: alerts,
			Normalize: func(d payment.Delivery) (payment.Event, error) {
				failed := false
				if d.EventID == demoPoison {
					bugOnce.Do(func() { failed = true })
				}
				if failed {
					return payment.Event{}, fmt.Errorf("%w: injected mapping bug", payment.ErrUnprocessable)
				}
				return registry.Normalize(d)
			},
		})
		if err != nil {
			return err
		}
		defer func() {
			if err := server.Shutdown(context.Background()); err != nil {
				fmt.Fprintf(stdout, "payhook demo: stopping: %v\n", err)
			}
		}()
		app.trust(server.ForwardSecret)
		op := operate.Table{Store: server.Store, DLQ: server.Store.DeadLetterQueue(local.ProcessorConsumer)}
		fmt.Fprintf(stdout, "payhook demo: the whole pipeline on %s, data in a temporary directory\n\n", server.URL)

		problems := runStory(stdout, server, op)
		problems = append(problems, redriveStory(stdout, op)...)
		problems = append(problems, report(stdout, server, op, alerts)...)
		problems = append(problems, app.story(stdout, op)...)
		if *keep {
			fmt.Fprintf(stdout, "\ndata kept in %s (payhook events --data %s)\n", dir, dir)
		}
		if len(problems) > 0 {
			fmt.Fprintf(stdout, "\n%d unexpected outcomes:\n  %s\n", len(problems), strings.Join(problems, "\n  "))
			return fmt.Errorf("%d outcomes were not the expected ones", len(problems))
		}
		fmt.Fprintf(stdout, "\nevery outcome was the expected one\n")
		return nil
	}
	return cmd
}

func runStory(out io.Writer, server *local.Server, op operate.Operator) []string {
	var problems []string
	fmt.Fprintln(out, "deliveries")
	for _, s := range story {
		body, id, err := samples.Build(s.provider, s.eventType, s.opts)
		if err != nil {
			return append(problems, err.Error())
		}
		keys, signedAt := server.Keys, time.Now()
		if s.forge {
			keys = maps.Clone(keys)
			keys[stripe.SigningSecrets] = []string{"whsec_forged_by_someone_else"}
		}
		if s.stale {
			signedAt = signedAt.Add(-10 * time.Minute)
		}
		signed, err := samples.Sign(s.provider, body, keys, id, signedAt)
		if err != nil {
			return append(problems, err.Error())
		}
		code, answer, err := post(server.URL+"/webhook/"+s.provider, signed)
		got := fmt.Sprintf("%d %s", code, answerWord(answer))
		want := fmt.Sprintf("%d %s", s.wantStatus, s.wantAnswer)
		mark := "✓"
		if err != nil || got != want {
			mark = "✗"
			problems = append(problems, fmt.Sprintf("%s: got %s, want %s %v", s.story, got, want, errOrEmpty(err)))
		}
		fmt.Fprintf(out, "  %s %-45s %-10s %-27s %s\n", mark, s.story, s.provider, s.eventType, got)
		if s.settle && code == 200 {
			if err := waitFor(func() bool { return settled(op, s.provider, id) }); err != nil {
				problems = append(problems, s.story+": never processed")
			}
		}
	}
	return problems
}

func redriveStory(out io.Writer, op operate.Operator) []string {
	fmt.Fprintln(out, "\nthe mapping bug is fixed; redriving the dead-letter queue")
	report, err := op.RedriveAll(context.Background())
	if err != nil {
		return []string{"redrive: " + err.Error()}
	}
	fmt.Fprintf(out, "  redriven: %s\n", strings.Join(report.Redriven, ", "))
	var problems []string
	if len(report.Redriven) != 1 || len(report.Kept) != 0 {
		problems = append(problems, fmt.Sprintf("redrive: want exactly square/%s redriven, got %+v", demoPoison, report))
	}
	if err := waitFor(func() bool { return status(op, "square", demoPoison) == store.StatusProcessed }); err != nil {
		problems = append(problems, "the redriven webhook was never processed")
	}
	return problems
}

func report(out io.Writer, server *local.Server, op operate.Operator, alerts *recordedAlerts) []string {
	ctx := context.Background()
	var problems []string
	fmt.Fprintln(out, "\npayments")
	states, err := op.Payments(ctx)
	if err != nil {
		return []string{err.Error()}
	}
	seen := map[string]bool{}
	for _, p := range states {
		key := p.Provider + "/" + p.PaymentID
		seen[key] = true
		mark := "✓"
		if want, ok := wantPayments[key]; !ok || want != p.Status {
			mark = "✗"
			problems = append(problems, fmt.Sprintf("payment %s ended %s, want %s", key, p.Status, wantPayments[key]))
		}
		dispute := ""
		if p.Dispute != "" {
			dispute = "dispute " + p.Dispute
		}
		fmt.Fprintf(out, "  %s %-10s %-18s %-10s %10s %s %s\n", mark, p.Provider, p.PaymentID, p.Status, amount(p.AmountMinor, p.Currency, p.AmountUnknown), p.Currency, dispute)
	}
	for key := range wantPayments {
		if !seen[key] {
			problems = append(problems, "payment "+key+" was never recorded")
		}
	}

	fmt.Fprintln(out, "\nalerts")
	kinds := map[string]bool{}
	for _, a := range alerts.list() {
		kinds[a.Kind+" "+a.Provider+"/"+a.EventID] = true
		fmt.Fprintf(out, "  %s %s/%s %s%s\n", a.Kind, a.Provider, a.EventID, a.EventType, prefixed(": ", a.Reason))
	}
	for _, want := range []string{"critical_event paypal/WH-DEMO-DISPUTE", "webhook_failed square/" + demoPoison} {
		if !kinds[want] {
			problems = append(problems, "missing alert: "+want)
		}
	}

	failed, err := op.Webhooks(ctx, store.WebhookFilter{Status: store.StatusFailed})
	if err != nil {
		return append(problems, err.Error())
	}
	records, err := countLines(filepath.Join(server.DataDir, local.AuditFile))
	if err != nil {
		return append(problems, err.Error())
	}
	fmt.Fprintf(out, "\naudit trail: %d records, hash-chained per item, no payload data\n", records)
	fmt.Fprintf(out, "failed webhooks left: %d\n", len(failed))
	if len(failed) > 0 {
		problems = append(problems, fmt.Sprintf("%d webhooks still FAILED", len(failed)))
	}
	return problems
}

// settled reports whether the processor is done with a webhook.
func settled(op operate.Operator, providerName, eventID string) bool {
	s := status(op, providerName, eventID)
	return s == store.StatusProcessed || s == store.StatusFailed
}

func status(op operate.Operator, providerName, eventID string) store.Status {
	views, err := op.Webhooks(context.Background(), store.WebhookFilter{Provider: providerName})
	if err != nil {
		return ""
	}
	for _, v := range views {
		if v.EventID == eventID {
			return v.Status
		}
	}
	return ""
}

func waitFor(done func() bool) error {
	deadline := time.Now().Add(15 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			return errors.New("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// answerWord is the status or error word of a receiver's answer.
func answerWord(answer string) string {
	var parsed struct{ Status, Error string }
	if json.Unmarshal([]byte(answer), &parsed) != nil {
		return answer
	}
	return parsed.Status + parsed.Error
}

func countLines(path string) (int, error) {
	f, err := os.Open(path) //nolint:gosec // the demo's own audit file, in the directory it made
	if err != nil {
		return 0, err
	}
	defer func() { _ = f.Close() }() // read only
	n := 0
	for scanner := bufio.NewScanner(f); scanner.Scan(); {
		n++
	}
	return n, nil
}

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

func errOrEmpty(err error) string {
	if err == nil {
		return ""
	}
	return "(" + err.Error() + ")"
}
