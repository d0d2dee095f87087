package embedded_test

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
)

// benchmarkWebhooks is the size of the store the open and backup
// benchmarks use: a bit over a day at one webhook a second.
const benchmarkWebhooks = 100_000

// benchmarkStore writes a store of benchmarkWebhooks webhooks, each with
// a 1 KiB body, and returns its path.
func benchmarkStore(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "payhook.db")
	s, err := embedded.Open(path, embedded.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"data":"` + strings.Repeat("x", 1000) + `"}`)
	for start := 0; start < benchmarkWebhooks; start += 1000 {
		ws := make([]store.Webhook, 1000)
		for i := range ws {
			ws[i] = store.Webhook{Provider: "stripe", EventID: fmt.Sprintf("evt_%07d", start+i), EventType: "charge.succeeded", Body: body,
				Status: store.StatusReceived, ReceivedAt: time.Now().UTC(), ExpiresAt: time.Now().Add(time.Hour)}
		}
		if _, err := s.PutWebhooks(context.Background(), ws); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkOpen opens a store of 100,000 webhooks as Open does, walking
// the file before bbolt opens it, against bbolt's own open of the same
// file (which walks every page to rebuild its free list).
func BenchmarkOpen(b *testing.B) {
	path := benchmarkStore(b)
	b.Run("embedded.Open", func(b *testing.B) {
		for b.Loop() {
			s, err := embedded.Open(path, embedded.Options{})
			if err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
	})
	b.Run("bolt.Open", func(b *testing.B) {
		for b.Loop() {
			db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
			if err != nil {
				b.Fatal(err)
			}
			db.Close()
		}
	})
}

// BenchmarkSnapshot copies a store of 100,000 webhooks as a backup does.
func BenchmarkSnapshot(b *testing.B) {
	path := benchmarkStore(b)
	s, err := embedded.Open(path, embedded.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for b.Loop() {
		err := s.InSnapshot(func(snapshot embedded.Snapshot) error {
			b.SetBytes(snapshot.Bytes())
			_, err := snapshot.WriteTo(io.Discard)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
