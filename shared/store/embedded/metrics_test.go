package embedded_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"

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
