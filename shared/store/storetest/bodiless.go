package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/store"
)

// bodiless stores a webhook with no body at all, and reads, lists and
// processes it: an item that is written must read back, or every listing
// that meets it fails.
func bodiless(t *testing.T, s store.Table) {
	is := is.New(t)
	ctx := context.Background()
	want := sample("stripe", "evt_no_body", nil)
	created, err := s.PutWebhook(ctx, want)
	is.NoErr(err)
	is.True(created)
	got, err := s.GetWebhook(ctx, "stripe", "evt_no_body")
	is.NoErr(err)
	is.Equal(len(got.Body), 0)
	got.Body = nil
	is.Equal(got, want)

	listed, err := s.ListWebhooks(ctx, store.WebhookFilter{})
	is.NoErr(err)
	is.Equal(len(listed), 1)
	is.Equal(listed[0].EventID, "evt_no_body")

	at := time.Date(2026, 11, 27, 11, 0, 0, 0, time.UTC)
	is.NoErr(s.CommitProcessed(ctx, store.Commit{Webhook: got, Payment: &payment.State{Provider: "stripe", PaymentID: "pi_no_body", Status: payment.StatusSucceeded, Version: 1, History: []string{"evt_no_body"}}, At: at}))
	processed, err := s.GetWebhook(ctx, "stripe", "evt_no_body")
	is.NoErr(err)
	is.Equal(processed.Status, store.StatusProcessed)
}
