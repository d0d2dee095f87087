package embedded_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
)

func TestOnCommitTimesEveryWriteThatCommitted(t *testing.T) {
	is := is.New(t)
	var mu sync.Mutex
	commits := map[string]int{}
	s, err := embedded.Open(filepath.Join(t.TempDir(), "p.db"), embedded.Options{OnCommit: func(op string, took time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		is.True(took > 0)
		commits[op]++
	}})
	is.NoErr(err)
	defer s.Close()
	ctx := context.Background()
	put(t, s, "evt_1")
	put(t, s, "evt_1") // a duplicate commits nothing new, but the batch still commits
	_, err = s.PutWebhooks(ctx, []store.Webhook{webhook("evt_2"), webhook("evt_3")})
	is.NoErr(err)
	is.NoErr(store.MarkFailed(ctx, s, "stripe", "evt_1", store.StatusReceived, "bad amount"))
	// Refused: evt_1 is no longer RECEIVED, and nothing commits.
	is.True(store.MarkFailed(ctx, s, "stripe", "evt_1", store.StatusReceived, "again") != nil)
	is.NoErr(s.DeadLetterQueue("processor").Send(ctx, []byte(`{}`)))

	mu.Lock()
	defer mu.Unlock()
	is.Equal(commits, map[string]int{
		embedded.OpPutWebhook: 2, embedded.OpPutWebhooks: 1, embedded.OpPutWebhookIfStatus: 1, embedded.OpDeadLetterSend: 1,
	})
}

func TestFeedLagCountsRecordsPastTheCheckpoint(t *testing.T) {
	is := is.New(t)
	s := openStore(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	records, oldest, err := s.FeedLag("processor", time.Now())
	is.NoErr(err)
	is.Equal(records, 0) // an empty feed
	is.Equal(oldest, time.Duration(0))

	put(t, s, "evt_1")
	put(t, s, "evt_2")
	put(t, s, "evt_3")
	records, oldest, err = s.FeedLag("processor", time.Now().Add(time.Minute))
	is.NoErr(err)
	is.Equal(records, 3)
	is.True(oldest >= 59*time.Second && oldest <= 62*time.Second) // the feed's clock has whole seconds

	consume(t, s, "processor", &recorder{}, embedded.ConsumeOptions{BatchSize: 2}, 3)
	records, oldest, err = s.FeedLag("processor", time.Now())
	is.NoErr(err)
	is.Equal(records, 0) // caught up
	is.Equal(oldest, time.Duration(0))
	records, _, err = s.FeedLag("auditor", time.Now())
	is.NoErr(err)
	is.Equal(records, 3) // each consumer has its own checkpoint
}

// Each checkpoint is a commit with its own fsync under the single writer:
// the feed writes one per pass, for every consumer at once, past the
// records their filters skipped too.
func TestConsumersCheckpointOncePerPassTogether(t *testing.T) {
	is := is.New(t)
	var mu sync.Mutex
	checkpoints := 0
	s, err := embedded.Open(filepath.Join(t.TempDir(), "p.db"), embedded.Options{OnCommit: func(op string, _ time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if op == embedded.OpFeedCheckpoint {
			checkpoints++
		}
	}})
	is.NoErr(err)
	defer s.Close()
	for i := range 8 {
		put(t, s, fmt.Sprintf("evt_%d", i))
	}
	odd := func(r events.DynamoDBEventRecord) bool { return strings.TrimPrefix(eventID(r), "evt_")[0]%2 == 1 }
	processor, auditor := &recorder{}, &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	// Passes of four records: evt_0..evt_3, then evt_4..evt_7; the
	// processor gets its two of each in batches of two.
	go func() {
		done <- s.Consume(ctx, 4,
			embedded.Subscriber{Name: "processor", Handler: processor.handle, Options: embedded.ConsumeOptions{BatchSize: 2, Filter: odd}},
			embedded.Subscriber{Name: "auditor", Handler: auditor.handle})
	}()
	wait.Until(t, 10*time.Second, "both consumers to see theirs", func() bool { return len(processor.snapshot()) == 4 && len(auditor.snapshot()) == 8 })
	wait.Until(t, 10*time.Second, "both checkpoints at the end", func() bool {
		p, err := s.FeedCheckpoint("processor")
		a, err2 := s.FeedCheckpoint("auditor")
		return err == nil && err2 == nil && p == 8 && a == 8
	})
	cancel()
	is.NoErr(<-done)
	is.Equal(processor.snapshot(), []string{"INSERT:evt_1", "INSERT:evt_3", "INSERT:evt_5", "INSERT:evt_7"})
	mu.Lock()
	defer mu.Unlock()
	is.Equal(checkpoints, 2)
}
