// Package storetest is the contract every store.Webhooks adapter passes.
// Each adapter's tests call Run with a constructor of a fresh, empty store.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
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
	t.Run("query", func(t *testing.T) { runQuery(t, open) })
	t.Run("a deleted webhook is gone from reads and listings; deleting one not there is no error", func(t *testing.T) {
		is := is.New(t)
		ctx := context.Background()
		s := open(t)
		_, err := s.PutWebhook(ctx, sample("stripe", "payhook-smoke-1", []byte(`{}`)))
		is.NoErr(err)
		is.NoErr(s.DeleteWebhook(ctx, "stripe", "payhook-smoke-1"))
		_, err = s.GetWebhook(ctx, "stripe", "payhook-smoke-1")
		is.True(errors.Is(err, store.ErrNotFound))
		page, err := s.QueryWebhooks(ctx, store.WebhookQuery{})
		is.NoErr(err)
		is.Equal(len(page.Webhooks), 0)
		is.NoErr(s.DeleteWebhook(ctx, "stripe", "payhook-smoke-1"))
	})
	t.Run("checkpoints", func(t *testing.T) { runCheckpoints(t, open(t)) })
	t.Run("a webhook without a body is stored, read, listed and processed", func(t *testing.T) { bodiless(t, open(t)) })
}

// RunWebhooks runs the part of the contract every webhook store passes.
func RunWebhooks(t *testing.T, open func(t *testing.T) store.Webhooks) {
	t.Run("round trip keeps every field", func(t *testing.T) { roundTrip(t, open(t), []byte(`{"id":"evt_small"}`)) })
	t.Run("round trip of a body over the gzip threshold", func(t *testing.T) {
		roundTrip(t, open(t), bytes.Repeat([]byte(`{"card":"4242"},`), store.GzipThreshold/8))
	})
	t.Run("first write wins", func(t *testing.T) { firstWriteWins(t, open(t)) })
	t.Run("a reconciled event keeps its source; a delivery that names none is a webhook", func(t *testing.T) { sources(t, open(t)) })
	t.Run("50 concurrent deliveries store one item", func(t *testing.T) { concurrentDuplicates(t, open(t)) })
	t.Run("same event id at two providers are two webhooks", func(t *testing.T) { providersAreSeparate(t, open(t)) })
	t.Run("unknown webhook is not found", func(t *testing.T) {
		_, err := open(t).GetWebhook(context.Background(), "stripe", "evt_missing")
		is.New(t).True(errors.Is(err, store.ErrNotFound))
	})
	t.Run("a transmission stays bound to its first body", func(t *testing.T) { transmissionBinding(t, open(t)) })
	t.Run("concurrent bodies for one transmission: one wins", func(t *testing.T) { concurrentBindings(t, open(t)) })
	t.Run("keys over DynamoDB's limits are rejected, not unavailable", func(t *testing.T) {
		is := is.New(t)
		s := open(t)
		_, err := s.PutWebhook(context.Background(), sample("stripe", strings.Repeat("e", store.MaxPartitionKeyBytes), []byte(`{}`)))
		is.True(errors.Is(err, store.ErrRejected))
		_, err = s.BindTransmission(context.Background(), binding(strings.Repeat("t", store.MaxPartitionKeyBytes), "body"))
		is.True(errors.Is(err, store.ErrRejected))
	})
	t.Run("a canceled write reports an error", func(t *testing.T) {
		is := is.New(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := open(t).PutWebhook(ctx, sample("stripe", "evt_canceled", []byte(`{}`)))
		is.True(errors.Is(err, store.ErrUnavailable))
	})
	t.Run("batches", func(t *testing.T) { runBatches(t, open) })
}

func binding(transmission, body string) store.Binding {
	received := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	return store.Binding{
		Provider: "paypal", Transmission: transmission, BodySHA256: sha256.Sum256([]byte(body)), EventID: "WH-1",
		ReceivedAt: received, ExpiresAt: received.Add(store.DefaultRetention),
	}
}

func transmissionBinding(t *testing.T, s store.Webhooks) {
	is := is.New(t)
	ctx := context.Background()
	same, err := s.BindTransmission(ctx, binding("tx-1", "genuine"))
	is.NoErr(err)
	is.True(same) // the first body binds
	same, err = s.BindTransmission(ctx, binding("tx-1", "genuine"))
	is.NoErr(err)
	is.True(same) // a redelivery of the same body is the same
	same, err = s.BindTransmission(ctx, binding("tx-1", "forged with the same CRC32"))
	is.NoErr(err)
	is.True(!same) // another body under the same signature headers is not
	same, err = s.BindTransmission(ctx, binding("tx-2", "forged with the same CRC32"))
	is.NoErr(err)
	is.True(same) // each transmission is bound on its own
	_, err = s.GetWebhook(ctx, "paypal", "WH-1")
	is.True(errors.Is(err, store.ErrNotFound)) // a binding is not a webhook
}

func concurrentBindings(t *testing.T, s store.Webhooks) {
	is := is.New(t)
	const n = 20
	results := make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			same, err := s.BindTransmission(context.Background(), binding("tx-race", fmt.Sprintf("body %d", i%2)))
			if err != nil {
				t.Error(err)
			}
			results[i] = same
		})
	}
	wg.Wait()
	winners := map[int]int{}
	for i, same := range results {
		if same {
			winners[i%2]++
		}
	}
	is.Equal(len(winners), 1)       // only one body is ever bound
	for _, count := range winners { // and every delivery of that body agrees
		is.Equal(count, n/2)
	}
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
		Source:           store.SourceWebhook,
	}
}

func sources(t *testing.T, s store.Webhooks) {
	is := is.New(t)
	ctx := context.Background()
	reconciled := sample("stripe", "evt_fetched", []byte(`{"id":"evt_fetched"}`))
	reconciled.Source, reconciled.SignatureHeaders, reconciled.SourceIP = store.SourceReconcile, nil, ""
	_, err := s.PutWebhook(ctx, reconciled)
	is.NoErr(err)
	got, err := s.GetWebhook(ctx, "stripe", "evt_fetched")
	is.NoErr(err)
	is.Equal(got.Source, store.SourceReconcile)

	// Items stored before sources existed carry none.
	older := sample("stripe", "evt_older", []byte(`{"id":"evt_older"}`))
	older.Source = ""
	_, err = s.PutWebhook(ctx, older)
	is.NoErr(err)
	got, err = s.GetWebhook(ctx, "stripe", "evt_older")
	is.NoErr(err)
	is.Equal(got.Source, store.SourceWebhook)
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
