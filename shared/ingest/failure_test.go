//go:build !sandbox

package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/ingest"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/dynamo"
)

// TestStorageFaultsOnDynamoDBAnswer503 puts a fault proxy between the
// receiver's DynamoDB client and a real DynamoDB Local.
func TestStorageFaultsOnDynamoDBAnswer503(t *testing.T) {
	ctx := context.Background()
	direct := testenv.DynamoDB(t)
	table := testenv.UniqueName(t)
	if err := dynamo.CreateTable(ctx, direct, table); err != nil {
		t.Fatal(err)
	}
	proxy := testenv.NewFaultProxy(t, testenv.DynamoDBEndpoint(t))
	proxied := dynamodb.NewFromConfig(testenv.AWSConfig(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(proxy.URL) })
	tableStore := dynamo.New(direct, table)

	h := newHarness(t, dynamo.New(proxied, table))
	h.receiver.StoreTimeout = 500 * time.Millisecond
	// Each subtest delivers its own event under its own fault, and leaves
	// the proxy passing, so they run alone or in any order.
	delivery := func(t *testing.T) (req ingest.Request, id string, stored func() bool) {
		id = "evt_" + strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
		req = h.signed(t, "stripe", `{"id":"`+id+`","type":"charge.succeeded","created":1795780800}`, h.now)
		stored = func() bool {
			_, err := tableStore.GetWebhook(ctx, "stripe", id)
			return err == nil
		}
		t.Cleanup(func() { proxy.Inject(testenv.Pass, "", 0) })
		return req, id, stored
	}

	for _, fault := range []struct {
		name  string
		fault testenv.Fault
		delay time.Duration
	}{
		{"throttled", testenv.Throttle, 0},
		{"connection dropped", testenv.Drop, 0},
		{"slower than the store timeout", testenv.Delay, 2 * time.Second},
	} {
		t.Run(fault.name, func(t *testing.T) {
			is := is.New(t)
			req, _, stored := delivery(t)
			proxy.Inject(fault.fault, "PutItem", fault.delay)
			resp := h.receiver.Handle(ctx, req)
			is.Equal(resp.Status, 503)
			is.Equal(resp.Header.Get("Retry-After"), "5")
			is.Equal(string(resp.Body), `{"error":"unavailable"}`)
			if fault.fault != testenv.Delay {
				is.True(!stored()) // the write never reached the table
			}
		})
	}

	t.Run("the provider's retry is acknowledged once the store recovers", func(t *testing.T) {
		is := is.New(t)
		req, id, stored := delivery(t)
		proxy.Inject(testenv.Throttle, "PutItem", 0)
		is.Equal(h.receiver.Handle(ctx, req).Status, 503)
		proxy.Inject(testenv.Pass, "", 0)
		resp := h.receiver.Handle(ctx, req)
		is.Equal(string(resp.Body), `{"status":"accepted","id":"`+id+`"}`)
		is.True(stored())
	})
}

// flakyStore fails some writes before they happen and some after (the write
// is durable but the answer is lost), and records which writes completed.
type flakyStore struct {
	store.Webhooks
	mu        sync.Mutex
	rng       *rand.Rand
	faulty    bool
	completed map[string]bool
}

func (f *flakyStore) PutWebhook(ctx context.Context, w store.Webhook) (bool, error) {
	f.mu.Lock()
	roll := f.rng.Float64()
	faulty := f.faulty
	f.mu.Unlock()
	if faulty && roll < 0.25 {
		return false, fmt.Errorf("%w: injected failure before the write", store.ErrUnavailable)
	}
	created, err := f.Webhooks.PutWebhook(ctx, w)
	if err != nil {
		return false, err
	}
	f.mu.Lock()
	f.completed[w.EventID] = true
	f.mu.Unlock()
	if faulty && roll < 0.5 {
		return false, fmt.Errorf("%w: injected failure after the write", store.ErrUnavailable)
	}
	return created, nil
}

// TestNo2xxBeforeTheWriteIsDurable: with writes failing at random, before or
// after they land, every 2xx comes after a completed write, every failure is
// a 503, and the provider's retries leave every event stored exactly once.
func TestNo2xxBeforeTheWriteIsDurable(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	h := newHarness(t, nil)
	flaky := &flakyStore{Webhooks: h.store.Webhooks, rng: rand.New(rand.NewPCG(1, 2)), faulty: true, completed: map[string]bool{}}
	h.receiver.Store = flaky

	const events = 300
	pending := map[string]ingest.Request{}
	for i := range events {
		id := fmt.Sprintf("evt_flaky_%03d", i)
		pending[id] = h.signed(t, "stripe", fmt.Sprintf(`{"id":%q,"type":"charge.succeeded","created":1795780800}`, id), h.now)
	}
	var acknowledged, unavailable int
	for round := 0; len(pending) > 0; round++ {
		if round == 3 {
			flaky.faulty = false // the store recovers; the provider keeps retrying
		}
		is.True(round < 10)
		for id, req := range pending {
			resp := h.receiver.Handle(ctx, req)
			switch resp.Status {
			case 200:
				flaky.mu.Lock()
				durable := flaky.completed[id]
				flaky.mu.Unlock()
				is.True(durable) // never a 2xx before the write completed
				acknowledged++
				delete(pending, id)
			case 503:
				unavailable++
			default:
				t.Fatalf("%s: unexpected status %d", id, resp.Status)
			}
		}
	}
	is.Equal(acknowledged, events)
	is.True(unavailable > 0)
	for i := range events {
		_, err := h.store.GetWebhook(ctx, "stripe", fmt.Sprintf("evt_flaky_%03d", i))
		is.True(!errors.Is(err, store.ErrNotFound))
	}
}
