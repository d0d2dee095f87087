package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/store"
)

func runCheckpoints(t *testing.T, s store.Table) {
	is := is.New(t)
	ctx := context.Background()
	_, err := s.Checkpoint(ctx, "stripe")
	is.True(errors.Is(err, store.ErrNotFound)) // no run yet

	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	first := store.Checkpoint{Provider: "stripe", Through: at, UpdatedAt: at.Add(time.Second)}
	is.NoErr(s.SaveCheckpoint(ctx, first))
	got, err := s.Checkpoint(ctx, "stripe")
	is.NoErr(err)
	is.Equal(got, first)

	later := store.Checkpoint{Provider: "stripe", Through: at.Add(15 * time.Minute), UpdatedAt: at.Add(16 * time.Minute)}
	is.NoErr(s.SaveCheckpoint(ctx, later))
	got, err = s.Checkpoint(ctx, "stripe")
	is.NoErr(err)
	is.Equal(got, later) // replaced

	_, err = s.Checkpoint(ctx, "paypal")
	is.True(errors.Is(err, store.ErrNotFound)) // one per provider
	_, err = s.GetWebhook(ctx, "stripe", "RECONCILE")
	is.True(errors.Is(err, store.ErrNotFound)) // never read as a webhook
}
