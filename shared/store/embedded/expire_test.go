package embedded_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
)

func TestAnItemExpiresAtItsNewestExpiry(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	w := put(t, s, "evt_1")
	first := w.ExpiresAt
	w.ExpiresAt = first.Add(2 * time.Hour)
	is.NoErr(s.PutWebhookIfStatus(ctx, w, store.StatusReceived))

	n, err := s.Expire(ctx, first.Add(time.Second))
	is.NoErr(err)
	is.Equal(n, 0) // the first expiry no longer holds
	n, err = s.Expire(ctx, w.ExpiresAt.Add(time.Second))
	is.NoErr(err)
	is.Equal(n, 1)
	n, err = s.Expire(ctx, w.ExpiresAt.Add(time.Hour))
	is.NoErr(err)
	is.Equal(n, 0) // expired once
}

func TestADeletedItemDoesNotExpireLater(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	w := put(t, s, "evt_1")
	is.NoErr(s.DeleteWebhook(ctx, "stripe", "evt_1"))
	n, err := s.Expire(ctx, w.ExpiresAt.Add(time.Second))
	is.NoErr(err)
	is.Equal(n, 0)
	records, err := s.ChangeRecords()
	is.NoErr(err)
	is.Equal(records, 2) // INSERT, REMOVE: no second REMOVE
}

func TestABacklogOfExpiredItemsIsDeletedWhole(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	s, err := embedded.Open(filepath.Join(t.TempDir(), "p.db"), embedded.Options{NoSync: true})
	is.NoErr(err)
	defer s.Close()
	const count = 12000 // over two commits' worth
	batch := webhooks(count)
	_, err = s.PutWebhooks(ctx, batch)
	is.NoErr(err)
	n, err := s.Expire(ctx, batch[0].ExpiresAt.Add(time.Hour))
	is.NoErr(err)
	is.Equal(n, count)
	left, err := s.ListWebhooks(ctx, store.WebhookFilter{})
	is.NoErr(err)
	is.Equal(len(left), 0)
}

// Expire runs on a timer under the writer lock: when nothing is due it
// must cost next to nothing, however many items the file holds.
func BenchmarkExpireNothingDue(b *testing.B) {
	ctx := context.Background()
	for _, items := range []int{1000, 20000} {
		b.Run(fmt.Sprint(items), func(b *testing.B) {
			s, err := embedded.Open(filepath.Join(b.TempDir(), "p.db"), embedded.Options{NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if _, err := s.PutWebhooks(ctx, webhooks(items)); err != nil {
				b.Fatal(err)
			}
			now := time.Now()
			for b.Loop() { // the timer starts here
				if n, err := s.Expire(ctx, now); err != nil || n != 0 {
					b.Fatal(n, err)
				}
			}
		})
	}
}

// webhooks are n distinct RECEIVED webhooks, evt_0 onwards.
func webhooks(n int) []store.Webhook {
	batch := make([]store.Webhook, n)
	for i := range batch {
		batch[i] = webhook(fmt.Sprintf("evt_%d", i))
	}
	return batch
}
