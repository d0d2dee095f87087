package local_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/rs/zerolog"

	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
	"github.com/payhook/payhook/shared/stream"
)

// stoppingFile is a trail file whose appends fail half written and
// whose truncation fails: a disk giving out.
type stoppingFile struct{ *os.File }

func (f stoppingFile) Write(p []byte) (int, error) {
	n, _ := f.File.Write(p[:len(p)/2])
	return n, errors.New("no space left on device")
}

func (stoppingFile) Truncate(int64) error { return errors.New("input/output error") }

// newPipeline opens a store in a directory of its own and the pipeline
// serve runs over it, logging nothing. trail, when set, stands between
// the audit trail and its file; adjust, when set, changes the processor.
func newPipeline(t testing.TB, trail func(*os.File) audit.TrailFile, adjust func(*process.Processor)) (*embedded.Store, *local.Pipeline) {
	t.Helper()
	dir := t.TempDir()
	st, err := embedded.Open(filepath.Join(dir, local.DBFile), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f, err := os.OpenFile(filepath.Join(dir, local.AuditFile), os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	var file audit.TrailFile = f
	if trail != nil {
		file = trail(f)
	}
	sink := audit.NewFileTrail(file, audit.TrailState{})
	log := zerolog.Nop()
	processor := &process.Processor{Store: st, DLQ: st.DeadLetterQueue(local.ProcessorConsumer), Publisher: notify.LogPublisher{Log: log},
		Alerter: notify.LogAlerter{Log: log}, Critical: process.DefaultCritical, Normalize: registry.Normalize, Log: log}
	if adjust != nil {
		adjust(processor)
	}
	return st, &local.Pipeline{
		Store:      st,
		Processor:  processor,
		Auditor:    &audit.Auditor{Sink: sink, Alerter: notify.LogAlerter{Log: log}, Log: log},
		AuditTrail: sink,
	}
}

// charge is a Stripe charge.succeeded webhook, received now, about a
// charge of its own.
func charge(eventID string) store.Webhook {
	now := time.Now().UTC()
	return store.Webhook{Provider: "stripe", EventID: eventID, EventType: "charge.succeeded",
		Body:   []byte(`{"id":"` + eventID + `","type":"charge.succeeded","data":{"object":{"id":"ch_` + eventID + `","object":"charge","amount":2000,"currency":"usd","status":"succeeded"}}}`),
		Status: store.StatusReceived, ReceivedAt: now, ExpiresAt: now.Add(time.Hour)}
}

// waitProcessed waits for each webhook to be PROCESSED.
func waitProcessed(t *testing.T, st *embedded.Store, eventIDs ...string) {
	t.Helper()
	for _, id := range eventIDs {
		wait.Until(t, time.Minute, id+" to be PROCESSED", func() bool {
			w, err := st.GetWebhook(context.Background(), "stripe", id)
			if err != nil {
				t.Fatal(err)
			}
			return w.Status == store.StatusProcessed
		})
	}
}

// TestAStoppedTrailStopsThePipeline: a failed batch is retried, but a
// trail that stopped (its length no longer known) takes no more records,
// so the pipeline stops, as on any other failure it cannot get past, and
// serve stops acknowledging.
func TestAStoppedTrailStopsThePipeline(t *testing.T) {
	is := is.New(t)
	st, pipeline := newPipeline(t, func(f *os.File) audit.TrailFile { return stoppingFile{f} }, nil)
	_, err := st.PutWebhook(context.Background(), store.Webhook{Provider: "stripe", EventID: "evt_1", EventType: "charge.succeeded", Body: []byte(`{}`),
		Status: store.StatusReceived, ReceivedAt: time.Now().UTC(), ExpiresAt: time.Now().Add(time.Hour)})
	is.NoErr(err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- pipeline.Run(ctx) }()
	select {
	case err := <-stopped:
		is.True(errors.Is(err, audit.ErrTrailStopped))
	case <-time.After(time.Minute):
		t.Fatal("the pipeline goes on with a trail that stopped")
	}
	checkpoint, err := st.FeedCheckpoint(local.AuditorConsumer)
	is.NoErr(err)
	is.Equal(checkpoint, uint64(0)) // nothing audited counted as done
}

// TestAProviderAPIDoesNotHoldTheReceiver: confirming a webhook with its
// provider (PayPal's and Checkout.com's by default) can take seconds, and
// the processor's transaction holds the store's only writer; asked inside
// it, a batch of slow answers kept every delivery waiting unacknowledged.
// The providers are asked before the transaction: while an answer is
// awaited, a new webhook is stored, and then everything is processed.
func TestAProviderAPIDoesNotHoldTheReceiver(t *testing.T) {
	is := is.New(t)
	asking, answer := make(chan struct{}, 1), make(chan struct{})
	var calls atomic.Int32
	st, pipeline := newPipeline(t, nil, func(p *process.Processor) {
		p.Confirm = func(ctx context.Context, w store.Webhook) (store.Webhook, bool, error) {
			calls.Add(1)
			select {
			case asking <- struct{}{}:
			default:
			}
			select { // the provider's API, answering when the test says
			case <-answer:
				return w, false, nil
			case <-ctx.Done():
				return store.Webhook{}, false, ctx.Err()
			}
		}
	})
	ctx := context.Background()
	for _, id := range []string{"evt_1", "evt_2", "evt_3"} {
		_, err := st.PutWebhook(ctx, charge(id))
		is.NoErr(err)
	}
	run, stop := context.WithCancel(ctx)
	stopped := make(chan error, 1)
	go func() { stopped <- pipeline.Run(run) }()
	defer func() {
		stop()
		is.NoErr(<-stopped)
	}()
	select {
	case <-asking:
	case <-time.After(time.Minute):
		t.Fatal("the processor never asked the provider")
	}
	stored := make(chan error, 1)
	go func() {
		_, err := st.PutWebhook(ctx, charge("evt_4"))
		stored <- err
	}()
	select {
	case err := <-stored:
		is.NoErr(err)
	case <-time.After(30 * time.Second):
		close(answer)
		t.Fatal("storing a webhook waited for a provider's API to answer")
	}
	close(answer)
	waitProcessed(t, st, "evt_1", "evt_2", "evt_3", "evt_4")
	is.Equal(calls.Load(), int32(4)) // each asked once, none again inside the transaction
}

// TestARetriedBatchDoesNotAskTheProvidersAgain: a record that fails for a
// while at the head of a batch has the batch handed over again from it;
// what the providers already answered for the batch is not asked again
// (a persistent failure would otherwise ask each record once per retry).
func TestARetriedBatchDoesNotAskTheProvidersAgain(t *testing.T) {
	is := is.New(t)
	var mu sync.Mutex
	confirms := map[string]int{}
	failures := 4 // the first record's, each a retry of the batch from it
	st, pipeline := newPipeline(t, nil, func(p *process.Processor) {
		p.Normalize = func(d payment.Delivery) (payment.Event, error) {
			mu.Lock()
			defer mu.Unlock()
			if d.EventID == "evt_00" && failures > 0 {
				failures--
				return payment.Event{}, errors.New("a store read timed out")
			}
			return registry.Normalize(d)
		}
		p.Confirm = func(_ context.Context, w store.Webhook) (store.Webhook, bool, error) {
			mu.Lock()
			defer mu.Unlock()
			confirms[w.EventID]++
			return w, false, nil
		}
	})
	pipeline.Options = embedded.ConsumeOptions{Retry: stream.Retry{MaxAttempts: 10, Backoff: time.Millisecond, MaxBackoff: time.Millisecond}}
	ctx := context.Background()
	const n = 20
	var ids []string
	for i := range n {
		ids = append(ids, fmt.Sprintf("evt_%02d", i))
		_, err := st.PutWebhook(ctx, charge(ids[i]))
		is.NoErr(err)
	}
	run, stop := context.WithCancel(ctx)
	stopped := make(chan error, 1)
	go func() { stopped <- pipeline.Run(run) }()
	waitProcessed(t, st, ids...)
	stop()
	is.NoErr(<-stopped)
	mu.Lock()
	defer mu.Unlock()
	is.Equal(failures, 0) // the batch was retried four times
	for _, id := range ids {
		is.Equal(confirms[id], 1) // each asked once
	}
}
