// Package storetest is the contract every store.Webhooks adapter passes.
// Each adapter's tests call Run with a constructor of a fresh, empty store.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/store"
)

// Run runs the whole contract against stores made by open.
func Run(t *testing.T, open func(t *testing.T) store.Table) {
	RunWebhooks(t, func(t *testing.T) store.Webhooks { return open(t) })
	t.Run("processing", func(t *testing.T) { runProcessing(t, open) })
	t.Run("listing", func(t *testing.T) { runListing(t, open) })
}

// RunWebhooks runs the part of the contract every webhook store passes.
func RunWebhooks(t *testing.T, open func(t *testing.T) store.Webhooks) {
	t.Run("round trip keeps every field", func(t *testing.T) { roundTrip(t, open(t), []byte(`{"id":"evt_small"}`)) })
	t.Run("round trip of a body over the gzip threshold", func(t *testing.T) {
		roundTrip(t, open(t), bytes.Repeat([]byte(`{"card":"4242"},`), store.GzipThreshold/8))
	})
	t.Run("first write wins", func(t *testing.T) { firstWriteWins(t, open(t)) })
	t.Run("50 concurrent deliveries store one item", func(t *testing.T) { concurrentDuplicates(t, open(t)) })
	t.Run("same event id at two providers are two webhooks", func(t *testing.T) { providersAreSeparate(t, open(t)) })
	t.Run("unknown webhook is not found", func(t *testing.T) {
		_, err := open(t).GetWebhook(context.Background(), "stripe", "evt_missing")
		is.New(t).True(errors.Is(err, store.ErrNotFound))
	})
	t.Run("a canceled write reports an error", func(t *testing.T) {
		is := is.New(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := open(t).PutWebhook(ctx, sample("stripe", "evt_canceled", []byte(`{}`)))
		is.True(errors.Is(err, store.ErrUnavailable))
	})
}

func sample(provider, eventID string, body []byte) store.Webhook {
	received := time.Date(2026, 11, 27, 10, 0, 0, 123456789, time.UTC)
	return store.Webhook{
		Provider:         provider,
		EventID:          eventID,
		EventType:        "payment_intent.succeeded",
		ReceivedAt:       received,
		OccurredAt:       received.Add(-2 * time.Second).Truncate(time.Second),
		Body:             body,
		SignatureHeaders: map[string]string{"Stripe-Signature": "t=1,v1=ab"},
		SourceIP:         "203.0.113.9",
		RequestID:        "req-1",
		Status:           store.StatusReceived,
		ExpiresAt:        received.Add(store.DefaultRetention).Truncate(time.Second),
		UpdatedBy:        store.ByReceiver,
		UpdatedAt:        received,
	}
}

func roundTrip(t *testing.T, s store.Webhooks, body []byte) {
	is := is.New(t)
	ctx := context.Background()
	want := sample("stripe", "evt_roundtrip", body)
	created, err := s.PutWebhook(ctx, want)
	is.NoErr(err)
	is.True(created)
	got, err := s.GetWebhook(ctx, "stripe", "evt_roundtrip")
	is.NoErr(err)
	is.Equal(got, want)
}

func firstWriteWins(t *testing.T, s store.Webhooks) {
	is := is.New(t)
	ctx := context.Background()
	first := sample("square", "evt_once", []byte(`{"n":1}`))
	created, err := s.PutWebhook(ctx, first)
	is.NoErr(err)
	is.True(created)
	second := first
	second.Body, second.RequestID = []byte(`{"n":2}`), "req-2"
	created, err = s.PutWebhook(ctx, second)
	is.NoErr(err)
	is.True(!created) // a redelivery is a duplicate
	got, err := s.GetWebhook(ctx, "square", "evt_once")
	is.NoErr(err)
	is.Equal(got.Body, first.Body) // and never overwrites what was stored
	is.Equal(got.RequestID, "req-1")
}

func concurrentDuplicates(t *testing.T, s store.Webhooks) {
	is := is.New(t)
	ctx := context.Background()
	const deliveries = 50
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		accepted int
		dupes    int
		failures []error
	)
	for i := range deliveries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := sample("paypal", "WH-concurrent", []byte(`{"id":"WH-concurrent"}`))
			w.RequestID = fmt.Sprintf("req-%d", i)
			created, err := s.PutWebhook(ctx, w)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				failures = append(failures, err)
			case created:
				accepted++
			default:
				dupes++
			}
		}()
	}
	wg.Wait()
	is.Equal(failures, nil)
	is.Equal(accepted, 1)
	is.Equal(dupes, deliveries-1)
	got, err := s.GetWebhook(ctx, "paypal", "WH-concurrent")
	is.NoErr(err)
	is.True(strings.HasPrefix(got.RequestID, "req-"))
}

func providersAreSeparate(t *testing.T, s store.Webhooks) {
	is := is.New(t)
	ctx := context.Background()
	for _, provider := range []string{"stripe", "standard"} {
		created, err := s.PutWebhook(ctx, sample(provider, "shared-id", []byte(`{}`)))
		is.NoErr(err)
		is.True(created)
	}
}
