package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/store"
)

func runProcessing(t *testing.T, open func(t *testing.T) store.Table) {
	ctx := context.Background()
	at := time.Date(2026, 11, 27, 11, 0, 0, 0, time.UTC)
	received := func(t *testing.T, s store.Table, id string) store.Webhook {
		w := sample("stripe", id, []byte(`{}`))
		_, err := s.PutWebhook(ctx, w)
		is.New(t).NoErr(err)
		return w
	}
	state := func(version int64, status payment.Status, history ...string) *payment.State {
		return &payment.State{Provider: "stripe", PaymentID: "pi_1", Status: status, AmountMinor: 2000, Currency: "USD",
			LastEventID: history[len(history)-1], LastOccurredAt: at, Version: version, History: history}
	}

	t.Run("commit stores the payment and marks the webhook processed", func(t *testing.T) {
		is := is.New(t)
		s := open(t)
		w := received(t, s, "evt_a")
		is.NoErr(s.CommitProcessed(ctx, store.Commit{Webhook: w, Payment: state(1, payment.StatusSucceeded, "evt_a"), At: at}))
		got, err := s.GetPayment(ctx, "stripe", "pi_1")
		is.NoErr(err)
		is.Equal(got, *state(1, payment.StatusSucceeded, "evt_a"))
		processed, err := s.GetWebhook(ctx, "stripe", "evt_a")
		is.NoErr(err)
		is.Equal(processed.Status, store.StatusProcessed)
		is.Equal(processed.PaymentKey, "PAYMENT#stripe#pi_1")
		is.Equal(processed.Attempts, 1)
		is.Equal(processed.UpdatedBy, store.ByProcessor)
		is.Equal(processed.Body, w.Body) // the body survives the rewrite
	})
	t.Run("a payment's refunds and captures survive the round trip", func(t *testing.T) {
		is := is.New(t)
		s := open(t)
		w := received(t, s, "evt_parts")
		want := state(1, payment.StatusPartiallyRefunded, "evt_parts")
		want.Lifecycle, want.RefundedMinor = payment.StatusSucceeded, 700
		want.Refunds = map[string]payment.Refund{"re_1": {AmountMinor: 700, Status: payment.RefundSucceeded, At: at}, "re_2": {AmountUnknown: true, Status: payment.RefundSucceeded, At: at}}
		want.RefundedAmountUnknown = true
		want.Captures = map[string]int64{"act_1": 1300, "act_2": 700}
		is.NoErr(s.CommitProcessed(ctx, store.Commit{Webhook: w, Payment: want, At: at}))
		got, err := s.GetPayment(ctx, "stripe", "pi_1")
		is.NoErr(err)
		is.Equal(got, *want)
	})
	t.Run("an amount the provider did not state stays unknown, not 0", func(t *testing.T) {
		is := is.New(t)
		s := open(t)
		w := received(t, s, "evt_unknown")
		want := state(1, payment.StatusSucceeded, "evt_unknown")
		want.AmountMinor, want.AmountUnknown = 0, true
		is.NoErr(s.CommitProcessed(ctx, store.Commit{Webhook: w, Payment: want, At: at}))
		got, err := s.GetPayment(ctx, "stripe", "pi_1")
		is.NoErr(err)
		is.Equal(got, *want)
	})
	t.Run("a second commit of the same delivery changes nothing", func(t *testing.T) {
		is := is.New(t)
		s := open(t)
		w := received(t, s, "evt_a")
		is.NoErr(s.CommitProcessed(ctx, store.Commit{Webhook: w, Payment: state(1, payment.StatusSucceeded, "evt_a"), At: at}))
		err := s.CommitProcessed(ctx, store.Commit{Webhook: w, Payment: state(2, payment.StatusSucceeded, "evt_a", "evt_a"), PreviousVersion: 1, At: at})
		is.True(errors.Is(err, store.ErrWebhookNotPending))
		got, _ := s.GetPayment(ctx, "stripe", "pi_1")
		is.Equal(got.Version, int64(1))
	})
	t.Run("a stale payment version refuses the whole commit", func(t *testing.T) {
		is := is.New(t)
		s := open(t)
		first, second := received(t, s, "evt_a"), received(t, s, "evt_b")
		is.NoErr(s.CommitProcessed(ctx, store.Commit{Webhook: first, Payment: state(1, payment.StatusPending, "evt_a"), At: at}))
		// evt_b was computed from "no payment yet": it must be recomputed.
		err := s.CommitProcessed(ctx, store.Commit{Webhook: second, Payment: state(1, payment.StatusSucceeded, "evt_b"), At: at})
		is.True(errors.Is(err, store.ErrPaymentChanged))
		w, _ := s.GetWebhook(ctx, "stripe", "evt_b")
		is.Equal(w.Status, store.StatusReceived) // neither write happened
		got, _ := s.GetPayment(ctx, "stripe", "pi_1")
		is.Equal(got.Status, payment.StatusPending)
	})
	t.Run("an event without a payment marks only the webhook", func(t *testing.T) {
		is := is.New(t)
		s := open(t)
		w := received(t, s, "evt_other")
		is.NoErr(s.CommitProcessed(ctx, store.Commit{Webhook: w, At: at}))
		got, _ := s.GetWebhook(ctx, "stripe", "evt_other")
		is.Equal(got.Status, store.StatusProcessed)
		is.Equal(got.PaymentKey, "")
	})
	t.Run("failed, redriven, then processed", func(t *testing.T) {
		is := is.New(t)
		s := open(t)
		received(t, s, "evt_f")
		is.NoErr(store.MarkFailed(ctx, s, "stripe", "evt_f", store.StatusReceived, "amount is not a USD decimal"))
		is.True(errors.Is(store.MarkFailed(ctx, s, "stripe", "evt_f", store.StatusReceived, "again"), store.ErrWebhookNotPending))
		failed, _ := s.GetWebhook(ctx, "stripe", "evt_f")
		is.Equal(failed.Status, store.StatusFailed)
		is.Equal(failed.LastError, "amount is not a USD decimal")

		is.NoErr(store.MarkRetry(ctx, s, "stripe", "evt_f"))
		retry, _ := s.GetWebhook(ctx, "stripe", "evt_f")
		is.Equal(retry.Status, store.StatusRetry)
		is.Equal(retry.UpdatedBy, store.ByRedrive)
		is.True(errors.Is(store.MarkRetry(ctx, s, "stripe", "evt_f"), store.ErrWebhookNotPending)) // only FAILED is redriven

		is.NoErr(s.CommitProcessed(ctx, store.Commit{Webhook: retry, Payment: state(1, payment.StatusSucceeded, "evt_f"), At: at}))
		done, _ := s.GetWebhook(ctx, "stripe", "evt_f")
		is.Equal(done.Status, store.StatusProcessed)
		is.Equal(done.LastError, "")
		is.Equal(done.Attempts, 2)
	})
	t.Run("unknown payment is not found", func(t *testing.T) {
		_, err := open(t).GetPayment(ctx, "stripe", "pi_missing")
		is.New(t).True(errors.Is(err, store.ErrNotFound))
	})
}

func runListing(t *testing.T, open func(t *testing.T) store.Table) {
	is := is.New(t)
	ctx := context.Background()
	s := open(t)
	for _, id := range []string{"evt_1", "evt_2"} {
		_, err := s.PutWebhook(ctx, sample("stripe", id, []byte(`{}`)))
		is.NoErr(err)
	}
	_, err := s.PutWebhook(ctx, sample("square", "sq_1", []byte(`{}`)))
	is.NoErr(err)
	is.NoErr(store.MarkFailed(ctx, s, "stripe", "evt_2", store.StatusReceived, "x"))
	w, _ := s.GetWebhook(ctx, "stripe", "evt_1")
	at := time.Date(2026, 11, 27, 11, 0, 0, 0, time.UTC)
	is.NoErr(s.CommitProcessed(ctx, store.Commit{Webhook: w, Payment: &payment.State{Provider: "stripe", PaymentID: "pi_1", Status: payment.StatusSucceeded, Version: 1, History: []string{"evt_1"}}, At: at}))

	all, err := s.ListWebhooks(ctx, store.WebhookFilter{})
	is.NoErr(err)
	is.Equal(len(all), 3)
	stripe, err := s.ListWebhooks(ctx, store.WebhookFilter{Provider: "stripe"})
	is.NoErr(err)
	is.Equal(len(stripe), 2)
	failed, err := s.ListWebhooks(ctx, store.WebhookFilter{Status: store.StatusFailed})
	is.NoErr(err)
	is.Equal(len(failed), 1)
	is.Equal(failed[0].EventID, "evt_2")
	is.True(len(failed[0].Body) > 0) // a listing for redrive keeps what it needs
	light, err := s.ListWebhooks(ctx, store.WebhookFilter{Status: store.StatusFailed, WithoutBodies: true})
	is.NoErr(err)
	is.Equal(len(light), 1)
	is.Equal(light[0].EventID, "evt_2")
	is.Equal(light[0].Body, nil)
	is.Equal(light[0].SignatureHeaders, nil)
	payments, err := s.ListPayments(ctx)
	is.NoErr(err)
	is.Equal(len(payments), 1)
	is.Equal(payments[0].PaymentID, "pi_1")
}
