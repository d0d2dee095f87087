//go:build unix

package local_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
)

// BenchmarkPipelineCatchesUp is the pipeline alone, without the receiver
// beside it: b.N Stripe webhooks stored RECEIVED, each about a payment of
// its own, then processed and audited, fsync on, until both consumers
// have checkpointed the whole feed. One op is one webhook; cpu-ms/webhook
// is the process's CPU, user and system, over the same time. Ids are
// random, as providers' are, so that each webhook and payment lands on a
// page of its own, as in serve; beside it, the same with ids that sort in
// the order received, which shows what the pages' copies cost.
//
//	go test -run '^$' -bench PipelineCatchesUp -benchtime 20000x -count 3 ./shared/local/
func BenchmarkPipelineCatchesUp(b *testing.B) {
	b.Run("random ids", func(b *testing.B) {
		catchUp(b, func(prefix string, _ int) string { return provider.RandomID(prefix, 24) })
	})
	b.Run("ids in received order", func(b *testing.B) {
		catchUp(b, func(prefix string, i int) string { return fmt.Sprintf("%s%048d", prefix, i) })
	})
}

func catchUp(b *testing.B, id func(prefix string, i int) string) {
	st, pipeline := newPipeline(b, nil, nil)
	ctx := context.Background()
	now := time.Now().UTC()
	var backlog []store.Webhook
	for i := range b.N {
		eventID := id("evt_", i)
		body, _, err := samples.Build("stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: eventID, PaymentID: id("pi_", i), At: now})
		if err != nil {
			b.Fatal(err)
		}
		backlog = append(backlog, store.Webhook{Provider: "stripe", EventID: eventID, EventType: "payment_intent.succeeded", Body: body,
			Status: store.StatusReceived, ReceivedAt: now, ExpiresAt: now.Add(time.Hour)})
		if len(backlog) == 500 || i == b.N-1 {
			if _, err := st.PutWebhooks(ctx, backlog); err != nil {
				b.Fatal(err)
			}
			backlog = backlog[:0]
		}
	}
	run, stop := context.WithCancel(ctx)
	stopped := make(chan error, 1)
	b.ResetTimer()
	cpu := cpuTime(b)
	go func() { stopped <- pipeline.Run(run) }()
	for !caughtUp(b, st) {
		select {
		case err := <-stopped:
			b.Fatalf("the pipeline stopped: %v", err)
		case <-time.After(2 * time.Millisecond):
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime(b)-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/webhook")
	stop()
	if err := <-stopped; err != nil {
		b.Fatal(err)
	}
	page, err := st.QueryWebhooks(ctx, store.WebhookQuery{Status: store.StatusProcessed, Limit: 1})
	if err != nil || len(page.Webhooks) == 0 {
		b.Fatalf("nothing processed: %v", err)
	}
}

// caughtUp says both consumers have checkpointed every change record,
// the processor's own included.
func caughtUp(b *testing.B, st *embedded.Store) bool {
	b.Helper()
	last, err := st.FeedSequence()
	if err != nil {
		b.Fatal(err)
	}
	for _, consumer := range []string{local.ProcessorConsumer, local.AuditorConsumer} {
		at, err := st.FeedCheckpoint(consumer)
		if err != nil {
			b.Fatal(err)
		}
		if at < last {
			return false
		}
	}
	return true
}

// cpuTime is the CPU this process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	b.Helper()
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		b.Fatal(err)
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}
