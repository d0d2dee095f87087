package embedded

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/payhook/payhook/shared/store"
)

// BenchmarkCheckpointForgets is one checkpoint of the consumer that read
// last: it deletes the 100 change records both consumers have read, at
// the front of a feed that keeps its last 5,000 unread, as serve's feed
// is under load.
func BenchmarkCheckpointForgets(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "p.db"), Options{NoSync: true, Consumers: []string{"processor", "auditor"}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	n := 0
	write := func(count int) uint64 {
		batch := make([]store.Webhook, count)
		for i := range batch {
			n++
			batch[i] = store.Webhook{Provider: "stripe", EventID: fmt.Sprintf("evt_%d", n), EventType: "charge.succeeded", Status: store.StatusReceived,
				Body: make([]byte, 600), ReceivedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
		}
		if _, err := s.PutWebhooks(ctx, batch); err != nil {
			b.Fatal(err)
		}
		seq, err := s.FeedSequence()
		if err != nil {
			b.Fatal(err)
		}
		return seq
	}
	write(5000)
	for b.Loop() {
		b.StopTimer()
		read := write(100) - 5000
		if err := s.checkpoints([]Subscriber{{Name: "processor"}}, []uint64{0}, []uint64{read}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := s.checkpoints([]Subscriber{{Name: "auditor"}}, []uint64{0}, []uint64{read}); err != nil {
			b.Fatal(err)
		}
	}
}
