package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/store"
)

// runBatches holds PutWebhooks to its contract: what a delivery carrying
// several events relies on.
func runBatches(t *testing.T, open func(t *testing.T) store.Webhooks) {
	ctx := context.Background()
	// Each copy of an event has its own body, so that a test can tell which
	// copy was stored.
	webhook := func(id string, copy int) store.Webhook {
		return sample("gocardless", id, fmt.Appendf(nil, `{"id":%q,"copy":%d}`, id, copy))
	}
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("EV%03d", i)
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		before []string // stored by PutWebhook first, as copy 0
		batch  []string
		want   []bool
	}{
		{name: "all new are all created", batch: []string{"EV1", "EV2", "EV3"}, want: []bool{true, true, true}},
		{name: "a partly duplicate batch stores the rest", before: []string{"EV2"}, batch: []string{"EV1", "EV2", "EV3"}, want: []bool{true, false, true}},
		{name: "the same event twice in a batch: the first counts", batch: []string{"EV1", "EV2", "EV1"}, want: []bool{true, true, false}},
		{name: "a batch of only duplicates", before: []string{"EV1", "EV2"}, batch: []string{"EV2", "EV1"}, want: []bool{false, false}},
		{
			// Over DynamoDB's 100 items per transaction, with a duplicate
			// in the second hundred of one in the first.
			name: "150 events with duplicates across hundreds", before: []string{"EV120"},
			batch: append(ids(150), "EV005"),
			want:  slices.Concat(slices.Repeat([]bool{true}, 120), []bool{false}, slices.Repeat([]bool{true}, 29), []bool{false}),
		},
	} {
		t.Run(""+tc.name, func(t *testing.T) {
			is := is.New(t)
			s := open(t)
			for _, id := range tc.before {
				_, err := s.PutWebhook(ctx, webhook(id, 0))
				is.NoErr(err)
			}
			batch := make([]store.Webhook, len(tc.batch))
			for i, id := range tc.batch {
				batch[i] = webhook(id, i+1)
			}
			created, err := s.PutWebhooks(ctx, batch)
			is.NoErr(err)
			is.Equal(created, tc.want)
			// Every event is stored once, as its first copy: a duplicate
			// overwrites nothing.
			first := map[string]store.Webhook{}
			for _, id := range tc.before {
				first[id] = webhook(id, 0)
			}
			for _, w := range batch {
				if _, ok := first[w.EventID]; !ok {
					first[w.EventID] = w
				}
			}
			for id, want := range first {
				got, err := s.GetWebhook(ctx, "gocardless", id)
				is.NoErr(err)
				is.Equal(got, want)
			}
		})
	}
	t.Run("one key over DynamoDB's limits refuses the whole batch", func(t *testing.T) {
		is := is.New(t)
		s := open(t)
		batch := []store.Webhook{webhook("EV1", 1), webhook(strings.Repeat("e", store.MaxPartitionKeyBytes), 2), webhook("EV3", 3)}
		_, err := s.PutWebhooks(ctx, batch)
		is.True(errors.Is(err, store.ErrRejected))
		for _, id := range []string{"EV1", "EV3"} {
			_, err := s.GetWebhook(ctx, "gocardless", id)
			is.True(errors.Is(err, store.ErrNotFound)) // nothing of the batch is stored
		}
	})
	t.Run("two concurrent identical batches create each event once", func(t *testing.T) {
		is := is.New(t)
		s := open(t)
		batch := make([]store.Webhook, 0, 30)
		for _, id := range ids(30) {
			batch = append(batch, webhook(id, 1))
		}
		var (
			wg      sync.WaitGroup
			results [2][]bool
			errs    [2]error
		)
		for i := range results {
			wg.Go(func() { results[i], errs[i] = s.PutWebhooks(ctx, batch) })
		}
		wg.Wait()
		is.NoErr(errors.Join(errs[:]...))
		for i, w := range batch {
			is.True(results[0][i] != results[1][i]) // created by exactly one of the two
			_, err := s.GetWebhook(ctx, "gocardless", w.EventID)
			is.NoErr(err)
		}
	})
	t.Run("a canceled write reports an error and stores nothing", func(t *testing.T) {
		is := is.New(t)
		s := open(t)
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		_, err := s.PutWebhooks(canceled, []store.Webhook{webhook("EV1", 1), webhook("EV2", 2)})
		is.True(errors.Is(err, store.ErrUnavailable))
		for _, id := range []string{"EV1", "EV2"} {
			_, err := s.GetWebhook(ctx, "gocardless", id)
			is.True(errors.Is(err, store.ErrNotFound))
		}
	})
}
