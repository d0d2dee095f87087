package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/store"
)

// queryBase is when the query contract's first webhook arrives; each next
// one a second and a quarter later, so that some land on whole seconds.
var queryBase = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func runQuery(t *testing.T, open func(t *testing.T) store.Table) {
	ctx := context.Background()
	// 12 webhooks, evt_00 the oldest: four providers' worth of types,
	// statuses and sources.
	seed := func(t *testing.T) store.Table {
		is := is.New(t)
		s := open(t)
		for i := range 12 {
			w := sample([]string{"stripe", "square", "paypal"}[i%3], fmt.Sprintf("evt_%02d", i), []byte(`{"n":1}`))
			w.ReceivedAt = queryBase.Add(time.Duration(i) * 1250 * time.Millisecond)
			w.EventType = []string{"payment_intent.succeeded", "charge.refunded"}[i%2]
			if i%4 == 3 {
				w.Source = store.SourceReconcile
			}
			_, err := s.PutWebhook(ctx, w)
			is.NoErr(err)
			if i%5 == 4 {
				is.NoErr(store.MarkFailed(ctx, s, w.Provider, w.EventID, store.StatusReceived, "broken"))
			}
		}
		return s
	}
	ids := func(page store.WebhookPage) []string {
		var out []string
		for _, w := range page.Webhooks {
			out = append(out, w.EventID)
		}
		return out
	}
	// all follows Next until the end, and says how many pages it took.
	all := func(t *testing.T, s store.Table, q store.WebhookQuery) ([]string, int) {
		is := is.New(t)
		var out []string
		pages := 0
		for {
			page, err := s.QueryWebhooks(ctx, q)
			is.NoErr(err)
			pages++
			out = append(out, ids(page)...)
			if page.Next == "" {
				return out, pages
			}
			is.True(pages < 100) // Next always moves on
			q.After = page.Next
		}
	}

	t.Run("newest first, without bodies, a page at a time", func(t *testing.T) {
		is := is.New(t)
		s := seed(t)
		page, err := s.QueryWebhooks(ctx, store.WebhookQuery{Limit: 3})
		is.NoErr(err)
		is.Equal(ids(page), []string{"evt_11", "evt_10", "evt_09"})
		is.True(page.Next != "")
		is.Equal(page.Webhooks[0].Body, nil)
		is.Equal(page.Webhooks[0].SignatureHeaders, nil)
		is.Equal(page.Webhooks[0].ReceivedAt, queryBase.Add(11*1250*time.Millisecond))
		every, pages := all(t, s, store.WebhookQuery{Limit: 5})
		is.Equal(len(every), 12)
		is.Equal(every[0], "evt_11")
		is.Equal(every[11], "evt_00")
		is.True(pages >= 3)
	})
	t.Run("filters", func(t *testing.T) {
		is := is.New(t)
		s := seed(t)
		got, _ := all(t, s, store.WebhookQuery{Provider: "square"})
		is.Equal(got, []string{"evt_10", "evt_07", "evt_04", "evt_01"})
		got, _ = all(t, s, store.WebhookQuery{Status: store.StatusFailed})
		is.Equal(got, []string{"evt_09", "evt_04"})
		got, _ = all(t, s, store.WebhookQuery{EventType: "charge.refunded", Source: store.SourceReconcile})
		is.Equal(got, []string{"evt_11", "evt_07", "evt_03"})
		got, _ = all(t, s, store.WebhookQuery{Status: store.StatusReceived, Provider: "stripe", Limit: 1})
		is.Equal(got, []string{"evt_06", "evt_03", "evt_00"})
	})
	t.Run("since is inclusive and until exclusive, to the nanosecond", func(t *testing.T) {
		is := is.New(t)
		s := seed(t)
		// evt_04 arrived at 10:00:05 exactly, evt_05 at 10:00:06.25.
		got, _ := all(t, s, store.WebhookQuery{Since: queryBase.Add(5 * time.Second), Until: queryBase.Add(6250 * time.Millisecond)})
		is.Equal(got, []string{"evt_04"})
		got, _ = all(t, s, store.WebhookQuery{Since: queryBase.Add(5*time.Second + 1), Until: queryBase.Add(6250*time.Millisecond + 1)})
		is.Equal(got, []string{"evt_05"})
		got, _ = all(t, s, store.WebhookQuery{Since: queryBase.Add(12 * time.Second)})
		is.Equal(got, []string{"evt_11", "evt_10"})
		got, _ = all(t, s, store.WebhookQuery{Until: queryBase.Add(1250 * time.Millisecond), Status: store.StatusReceived})
		is.Equal(got, []string{"evt_00"})
	})
	t.Run("a page reads at most MaxRead webhooks, and goes on from there", func(t *testing.T) {
		is := is.New(t)
		s := seed(t)
		// evt_11 to evt_03 are nine reads; evt_02 would be the tenth.
		page, err := s.QueryWebhooks(ctx, store.WebhookQuery{Provider: "paypal", Limit: 5, MaxRead: 9})
		is.NoErr(err)
		is.Equal(ids(page), []string{"evt_11", "evt_08", "evt_05"})
		is.True(page.Next != "")
		rest, err := s.QueryWebhooks(ctx, store.WebhookQuery{Provider: "paypal", Limit: 5, MaxRead: 9, After: page.Next})
		is.NoErr(err)
		is.Equal(ids(rest), []string{"evt_02"})
		is.Equal(rest.Next, "")
	})
	t.Run("a webhook moves between statuses as it is processed", func(t *testing.T) {
		is := is.New(t)
		s := seed(t)
		is.NoErr(store.MarkRetry(ctx, s, "square", "evt_04"))
		got, _ := all(t, s, store.WebhookQuery{Status: store.StatusFailed})
		is.Equal(got, []string{"evt_09"})
		got, _ = all(t, s, store.WebhookQuery{Status: store.StatusRetry})
		is.Equal(got, []string{"evt_04"})
		got, _ = all(t, s, store.WebhookQuery{})
		is.Equal(len(got), 12)
	})
	t.Run("a payment's webhooks, applied or ignored, each with what it changed", func(t *testing.T) {
		is := is.New(t)
		s := seed(t)
		key := store.PaymentKey("stripe", "pi_q")
		first, _ := s.GetWebhook(ctx, "stripe", "evt_00")
		next := payment.State{Provider: "stripe", PaymentID: "pi_q", Status: payment.StatusSucceeded, AmountMinor: 500, Currency: "EUR", Version: 1}
		change := payment.Diff(payment.State{}, next)
		is.NoErr(s.CommitProcessed(ctx, store.Commit{Webhook: first, Payment: &next, Change: &change, Verdict: payment.Verdict{Outcome: payment.Applied}, At: queryBase}))
		late, _ := s.GetWebhook(ctx, "stripe", "evt_03")
		ignored := payment.Verdict{Outcome: payment.OutOfOrder, Reason: "older than the payment's last event"}
		is.NoErr(s.CommitProcessed(ctx, store.Commit{Webhook: late, PaymentKey: key, Verdict: ignored, At: queryBase}))

		page, err := s.QueryWebhooks(ctx, store.WebhookQuery{PaymentKey: key})
		is.NoErr(err)
		is.Equal(ids(page), []string{"evt_03", "evt_00"})
		is.Equal(page.Webhooks[0].Change, nil)
		is.Equal(page.Webhooks[0].OutcomeReason, ignored.Reason)
		is.Equal(*page.Webhooks[1].Change, change)
		stored, _ := s.GetWebhook(ctx, "stripe", "evt_00")
		is.Equal(*stored.Change, change)
		is.Equal(stored.PaymentKey, key)
	})
	t.Run("a batch's webhooks, received at the same time, each once across pages", func(t *testing.T) {
		is := is.New(t)
		s := open(t)
		var batch []store.Webhook
		for i := range 7 {
			w := sample("gocardless", fmt.Sprintf("EV%02d", i), []byte(`{}`))
			w.ReceivedAt = queryBase
			batch = append(batch, w)
		}
		_, err := s.PutWebhooks(ctx, batch)
		is.NoErr(err)
		got, _ := all(t, s, store.WebhookQuery{Limit: 2})
		is.Equal(got, []string{"EV06", "EV05", "EV04", "EV03", "EV02", "EV01", "EV00"})
		got, _ = all(t, s, store.WebhookQuery{Limit: 3, Status: store.StatusReceived})
		is.Equal(len(got), 7)
	})
	t.Run("a cursor payhook did not give is refused", func(t *testing.T) {
		_, err := open(t).QueryWebhooks(ctx, store.WebhookQuery{After: "not-a-cursor"})
		is.New(t).True(errors.Is(err, store.ErrBadCursor))
	})
}
