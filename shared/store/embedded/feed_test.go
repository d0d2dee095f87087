package embedded_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
	"github.com/payhook/payhook/shared/stream"
)

func openStore(t *testing.T, path string) *embedded.Store {
	t.Helper()
	s, err := embedded.Open(path, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func webhook(id string) store.Webhook {
	return store.Webhook{Provider: "stripe", EventID: id, EventType: "charge.succeeded", Body: []byte(`{}`), Status: store.StatusReceived, ReceivedAt: time.Now().UTC(), ExpiresAt: time.Now().Add(time.Hour)}
}

func put(t *testing.T, s *embedded.Store, id string) store.Webhook {
	t.Helper()
	w := webhook(id)
	if _, err := s.PutWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return w
}

// recorder is a consumer that records event ids, failing those in failOn.
// Like the processor, it stops at the first failure and reports it and
// everything after it, so records are handled in order.
type recorder struct {
	mu     sync.Mutex
	seen   []string
	failOn map[string]int // event id -> failures left
}

func eventID(r events.DynamoDBEventRecord) string { return r.Change.NewImage["event_id"].String() }

func (rec *recorder) handle(_ context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var resp events.DynamoDBEventResponse
	for i, r := range e.Records {
		if rec.failOn[eventID(r)] != 0 {
			rec.failOn[eventID(r)]--
			for _, rest := range e.Records[i:] {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rest.Change.SequenceNumber})
			}
			break
		}
		rec.seen = append(rec.seen, fmt.Sprintf("%s:%s", r.EventName, eventID(r)))
	}
	return resp, nil
}

func (rec *recorder) snapshot() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.seen...)
}

// consume runs a consumer until it has seen want records or time runs out.
func consume(t *testing.T, s *embedded.Store, name string, rec *recorder, opts embedded.ConsumeOptions, want int) []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Consume(ctx, 0, embedded.Subscriber{Name: name, Handler: rec.handle, Options: opts}) }()
	wait.Until(t, 10*time.Second, fmt.Sprintf("%s to see %d records", name, want), func() bool { return len(rec.snapshot()) >= want })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return rec.snapshot()
}

func TestFeedDeliversEveryChangeInOrderWithImages(t *testing.T) {
	is := is.New(t)
	s := openStore(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	put(t, s, "evt_1")
	put(t, s, "evt_2")
	is.NoErr(store.MarkFailed(context.Background(), s, "stripe", "evt_1", store.StatusReceived, "bad amount"))

	var records []events.DynamoDBEventRecord
	var mu sync.Mutex
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	defer consumeInBackground(t, s, ctx, "audit", func(_ context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		records = append(records, e.Records...)
		if len(records) == 3 {
			cancel()
		}
		return events.DynamoDBEventResponse{}, nil
	}, embedded.ConsumeOptions{})()
	<-ctx.Done()
	mu.Lock()
	defer mu.Unlock()
	is.Equal(len(records), 3)
	is.Equal(records[0].EventName, "INSERT")
	is.Equal(records[2].EventName, "MODIFY")
	is.Equal(records[2].Change.OldImage["status"].String(), "RECEIVED")
	is.Equal(records[2].Change.NewImage["status"].String(), "FAILED")
	is.Equal(records[2].Change.StreamViewType, "NEW_AND_OLD_IMAGES")
	is.True(records[0].Change.SequenceNumber < records[1].Change.SequenceNumber)
}

func TestFeedHasOneInsertPerWebhookABatchCreated(t *testing.T) {
	is := is.New(t)
	s := openStore(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	put(t, s, "evt_1")
	created, err := s.PutWebhooks(context.Background(), []store.Webhook{webhook("evt_1"), webhook("evt_2"), webhook("evt_3"), webhook("evt_2")})
	is.NoErr(err)
	is.Equal(created, []bool{false, true, true, false})
	put(t, s, "evt_last") // a record the batch added for a duplicate would come before this one
	is.Equal(consume(t, s, "processor", &recorder{}, embedded.ConsumeOptions{}, 4), []string{"INSERT:evt_1", "INSERT:evt_2", "INSERT:evt_3", "INSERT:evt_last"})
}

func TestFeedResumesFromTheCheckpointAfterARestart(t *testing.T) {
	is := is.New(t)
	path := filepath.Join(t.TempDir(), "p.db")
	s := openStore(t, path)
	put(t, s, "evt_1")
	put(t, s, "evt_2")
	is.Equal(consume(t, s, "processor", &recorder{}, embedded.ConsumeOptions{}, 2), []string{"INSERT:evt_1", "INSERT:evt_2"})
	is.NoErr(s.Close())

	s = openStore(t, path)
	defer s.Close()
	put(t, s, "evt_3")
	is.Equal(consume(t, s, "processor", &recorder{}, embedded.ConsumeOptions{}, 1), []string{"INSERT:evt_3"})
	// Another consumer has its own checkpoint and sees everything.
	is.Equal(len(consume(t, s, "auditor", &recorder{}, embedded.ConsumeOptions{}, 3)), 3)
}

func TestFeedRetriesFromTheFirstFailedRecord(t *testing.T) {
	is := is.New(t)
	s := openStore(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	for _, id := range []string{"evt_1", "evt_2", "evt_3"} {
		put(t, s, id)
	}
	rec := &recorder{failOn: map[string]int{"evt_2": 2}}
	got := consume(t, s, "processor", rec, embedded.ConsumeOptions{Retry: stream.Retry{Backoff: time.Millisecond}}, 3)
	// evt_1 is not delivered again; evt_3 waits for evt_2, as on a shard.
	is.Equal(got, []string{"INSERT:evt_1", "INSERT:evt_2", "INSERT:evt_3"})
}

func TestFeedSendsAPoisonRecordToTheDeadLetterQueueAndMovesOn(t *testing.T) {
	is := is.New(t)
	s := openStore(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	put(t, s, "evt_poison")
	put(t, s, "evt_ok")
	rec := &recorder{failOn: map[string]int{"evt_poison": 1000}}
	got := consume(t, s, "processor", rec, embedded.ConsumeOptions{Retry: stream.Retry{MaxAttempts: 3, Backoff: time.Millisecond}}, 1)
	is.Equal(got, []string{"INSERT:evt_ok"})
	letters, err := s.DeadLetterQueue("processor").Receive(context.Background(), 10)
	is.NoErr(err)
	is.Equal(len(letters), 1)
	is.Equal(letters[0].Source, "processor")
}

func TestFeedFilterSkipsRecords(t *testing.T) {
	is := is.New(t)
	s := openStore(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	put(t, s, "evt_1")
	is.NoErr(store.MarkFailed(context.Background(), s, "stripe", "evt_1", store.StatusReceived, "x"))
	put(t, s, "evt_2")
	onlyInserts := func(r events.DynamoDBEventRecord) bool { return r.EventName == "INSERT" }
	is.Equal(consume(t, s, "processor", &recorder{}, embedded.ConsumeOptions{Filter: onlyInserts}, 2), []string{"INSERT:evt_1", "INSERT:evt_2"})
}

func TestExpiredItemsAreRemovedAsDynamoDBsTTLWould(t *testing.T) {
	is := is.New(t)
	s := openStore(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	w := put(t, s, "evt_old")
	young := w
	young.EventID, young.ExpiresAt = "evt_young", w.ExpiresAt.Add(time.Hour)
	_, err := s.PutWebhook(context.Background(), young)
	is.NoErr(err)
	n, err := s.Expire(context.Background(), w.ExpiresAt.Add(-time.Minute))
	is.NoErr(err)
	is.Equal(n, 0)
	n, err = s.Expire(context.Background(), w.ExpiresAt.Add(time.Second))
	is.NoErr(err)
	is.Equal(n, 1)
	_, err = s.GetWebhook(context.Background(), "stripe", "evt_old")
	is.True(err != nil)

	var (
		mu      sync.Mutex
		removed []events.DynamoDBEventRecord
	)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	defer consumeInBackground(t, s, ctx, "auditor", func(_ context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range e.Records {
			if r.EventName == "REMOVE" {
				removed = append(removed, r)
				cancel()
			}
		}
		return events.DynamoDBEventResponse{}, nil
	}, embedded.ConsumeOptions{})()
	<-ctx.Done()
	mu.Lock()
	defer mu.Unlock()
	is.Equal(len(removed), 1)
	is.Equal(removed[0].UserIdentity.PrincipalID, "dynamodb.amazonaws.com")
	is.Equal(removed[0].Change.OldImage["event_id"].String(), "evt_old")
}

func TestInTransactionCommitsTogetherAndARefusedWriteLeavesNoTrace(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	a, b := put(t, s, "evt_a"), put(t, s, "evt_b")
	stale := b
	stale.Status = store.StatusRetry // b is RECEIVED: this commit must be refused
	state := func(id string) *payment.State {
		return &payment.State{Provider: "stripe", PaymentID: "pi_" + id, Status: payment.StatusSucceeded, Version: 1, History: []string{id}}
	}

	err := s.InTransaction(ctx, "processor", func(st store.Processing, dlq deadletter.Queue) error {
		is.NoErr(st.CommitProcessed(ctx, store.Commit{Webhook: a, Payment: state("evt_a"), At: time.Now()}))
		seen, err := st.GetWebhook(ctx, "stripe", "evt_a")
		is.NoErr(err)
		is.Equal(seen.Status, store.StatusProcessed) // reads see the transaction's own writes
		err = st.CommitProcessed(ctx, store.Commit{Webhook: stale, Payment: state("evt_b"), At: time.Now()})
		is.True(errors.Is(err, store.ErrWebhookNotPending))
		return dlq.Send(ctx, []byte(`{"provider":"stripe","event_id":"evt_a","reason":"x"}`))
	})
	is.NoErr(err)
	got, _ := s.GetWebhook(ctx, "stripe", "evt_a")
	is.Equal(got.Status, store.StatusProcessed)
	_, err = s.GetPayment(ctx, "stripe", "pi_evt_b")
	is.True(errors.Is(err, store.ErrNotFound)) // the refused commit wrote nothing, not even its payment
	letters, _ := s.DeadLetterQueue("processor").Receive(ctx, 10)
	is.Equal(len(letters), 1)

	err = s.InTransaction(ctx, "processor", func(st store.Processing, _ deadletter.Queue) error {
		is.NoErr(st.CommitProcessed(ctx, store.Commit{Webhook: b, Payment: state("evt_b"), At: time.Now()}))
		return errors.New("the handler broke")
	})
	is.True(err != nil)
	got, _ = s.GetWebhook(ctx, "stripe", "evt_b")
	is.Equal(got.Status, store.StatusReceived) // an error rolls the whole transaction back
}

// consumeInBackground runs a consumer until ctx ends, failing the test if
// it stops with an error, and returns what waits for it: deferred after
// the store's Close, so that the store outlives its last checkpoint.
func consumeInBackground(t *testing.T, s *embedded.Store, ctx context.Context, name string, handler stream.Handler, opts embedded.ConsumeOptions) (wait func()) {
	var consumer sync.WaitGroup
	consumer.Go(func() {
		if err := s.Consume(ctx, 0, embedded.Subscriber{Name: name, Handler: handler, Options: opts}); err != nil {
			t.Error(err)
		}
	})
	return consumer.Wait
}

// TestTheFeedForgetsWhatEveryConsumerHasRead: a change record stays until
// every named consumer has checkpointed past it, then it is deleted, so
// the file (and the bodies in the records' images) does not grow with
// every webhook ever received.
func TestTheFeedForgetsWhatEveryConsumerHasRead(t *testing.T) {
	is := is.New(t)
	s, err := embedded.Open(filepath.Join(t.TempDir(), "p.db"), embedded.Options{Consumers: []string{"processor", "auditor"}})
	is.NoErr(err)
	defer s.Close()
	for i := range 10 {
		put(t, s, fmt.Sprintf("evt_%d", i))
	}
	held, err := s.ChangeRecords()
	is.NoErr(err)
	is.Equal(held, 10)

	consume(t, s, "processor", &recorder{}, embedded.ConsumeOptions{}, 10)
	held, err = s.ChangeRecords()
	is.NoErr(err)
	is.Equal(held, 10) // the auditor has not read them yet

	consume(t, s, "auditor", &recorder{}, embedded.ConsumeOptions{}, 10)
	held, err = s.ChangeRecords()
	is.NoErr(err)
	is.Equal(held, 0)

	put(t, s, "evt_after") // the sequence goes on; nothing is delivered twice
	got := consume(t, s, "processor", &recorder{}, embedded.ConsumeOptions{}, 1)
	is.Equal(got, []string{"INSERT:evt_after"})
}
