package pebblestore_test

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
	"github.com/payhook/payhook/shared/store/storetest"
	"github.com/payhook/payhook/tools/storebench/pebblestore"
)

func TestContract(t *testing.T) {
	storetest.RunWebhooks(t, func(t *testing.T) store.Webhooks {
		s, err := pebblestore.Open(filepath.Join(t.TempDir(), "pebble"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

// durable is the part of the store both engines are measured on.
type durable interface {
	store.Webhooks
	Close() error
}

// BenchmarkDurableInserts is serve's receiving at 64 senders, on each
// engine: unique webhooks with 600-byte bodies, each stored with its
// change record and expiry entry, fsynced before it returns. Beside the
// time per insert (wall clock, all senders together) it reports the
// process's CPU per insert, the 99th percentile of an insert's latency,
// and the directory's bytes per webhook once closed.
//
//	go test -run '^$' -bench DurableInserts -benchtime 20000x -count 3 ./pebblestore/   # in tools/storebench
func BenchmarkDurableInserts(b *testing.B) {
	for _, engine := range []struct {
		name string
		open func(dir string) (durable, error)
	}{
		{"bbolt", func(dir string) (durable, error) {
			return embedded.Open(filepath.Join(dir, "payhook.db"), embedded.Options{Consumers: []string{"processor", "auditor"}})
		}},
		{"pebble", func(dir string) (durable, error) { return pebblestore.Open(dir) }},
	} {
		b.Run(engine.name, func(b *testing.B) {
			dir := b.TempDir()
			s, err := engine.open(dir)
			if err != nil {
				b.Fatal(err)
			}
			body := make([]byte, 600)
			for i := range body {
				body[i] = byte('a' + i%26)
			}
			var next atomic.Int64
			var mu sync.Mutex
			var latencies []time.Duration
			b.SetParallelism(32) // 64 senders on 2 cores
			cpu := cpuTime()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					n := next.Add(1)
					w := store.Webhook{Provider: "stripe", EventID: fmt.Sprintf("evt_%d", n), EventType: "payment_intent.succeeded", Body: body,
						Status: store.StatusReceived, ReceivedAt: time.Now(), ExpiresAt: time.Now().Add(840 * time.Hour), PaymentKey: fmt.Sprintf("PAYMENT#stripe#pi_%d", n)}
					start := time.Now()
					if created, err := s.PutWebhook(context.Background(), w); err != nil || !created {
						b.Errorf("created %v: %v", created, err)
						return
					}
					mine = append(mine, time.Since(start))
				}
				mu.Lock()
				latencies = append(latencies, mine...)
				mu.Unlock()
			})
			b.StopTimer()
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
			slices.Sort(latencies)
			if len(latencies) > 0 {
				b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
			}
			if err := s.Close(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(dirSize(b, dir))/float64(b.N), "dir-bytes/op")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func dirSize(b *testing.B, dir string) int64 {
	var size int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			size += info.Size()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return size
}
