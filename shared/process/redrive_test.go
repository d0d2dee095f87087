package process_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/store"
)

// TestRedriveAllPagesPastKeptMessagesAndSparesTheAuditors: twelve messages
// the redrive must keep (webhooks a consumer gave up on, still RECEIVED)
// stand before the one FAILED webhook; the auditor's own dead letter is
// not the processor's to touch.
func TestRedriveAllPagesPastKeptMessagesAndSparesTheAuditors(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	ctx := context.Background()
	for i := range 12 {
		body, err := json.Marshal(f.received(t, fmt.Sprintf("evt_stuck_%02d", i), "charge.succeeded", `{}`))
		is.NoErr(err)
		is.NoErr(f.dlq.Send(ctx, body))
	}
	f.received(t, "evt_failed", "charge.succeeded", `{}`)
	is.NoErr(store.MarkFailed(ctx, f.store, "stripe", "evt_failed", store.StatusReceived, "x"))
	body, _ := json.Marshal(deadletter.Failure{Provider: "stripe", EventID: "evt_failed", Reason: "x"})
	is.NoErr(f.dlq.Send(ctx, body))
	audited := f.received(t, "evt_audited", "charge.succeeded", `{}`)
	processed, _ := f.store.GetWebhook(ctx, "stripe", "evt_audited")
	is.NoErr(f.store.CommitProcessed(ctx, store.Commit{Webhook: processed}))
	auditorLetter, _ := json.Marshal(audited)
	is.NoErr(f.store.DeadLetterQueue("auditor").Send(ctx, auditorLetter))

	report, err := process.RedriveQueue(ctx, f.store, f.store.DeadLetterQueue("processor"))
	is.NoErr(err)
	is.Equal(report.Redriven, []string{"stripe/evt_failed"})
	is.Equal(len(report.Kept), 12)
	auditors, err := f.store.DeadLetterQueue("auditor").Receive(ctx, 10)
	is.NoErr(err)
	is.Equal(len(auditors), 1) // untouched
}

func TestRedriveStuckMovesOnlyOldReceivedWebhooks(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	ctx := context.Background()
	put := func(id string, receivedAgo time.Duration) events.DynamoDBEventRecord {
		w := store.Webhook{Provider: "stripe", EventID: id, EventType: "payment_intent.succeeded", Status: store.StatusReceived,
			Body:       []byte(`{"id":"` + id + `","type":"payment_intent.succeeded","data":{"object":{"id":"pi_` + id + `","object":"payment_intent","amount":100,"currency":"usd"}}}`),
			ReceivedAt: time.Now().Add(-receivedAgo).UTC(), OccurredAt: time.Now().UTC(), ExpiresAt: time.Now().Add(time.Hour)}
		_, err := f.store.PutWebhook(ctx, w)
		is.NoErr(err)
		item, _ := store.WebhookItem(w)
		return events.DynamoDBEventRecord{EventName: "INSERT", Change: events.DynamoDBStreamRecord{NewImage: item, SequenceNumber: id}}
	}
	put("evt_stuck", time.Hour)
	put("evt_fresh", time.Second)
	done := put("evt_done", time.Hour)
	_, err := f.processor.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{done}})
	is.NoErr(err)

	report, err := process.RedriveStuck(ctx, f.store, time.Now().Add(-15*time.Minute))
	is.NoErr(err)
	is.Equal(report.Redriven, []string{"stripe/evt_stuck"})
	for id, want := range map[string]store.Status{"evt_stuck": store.StatusRetry, "evt_fresh": store.StatusReceived, "evt_done": store.StatusProcessed} {
		w, err := f.store.GetWebhook(ctx, "stripe", id)
		is.NoErr(err)
		is.Equal(w.Status, want)
	}
	// RETRY is what the processor's filter takes: the stuck webhook is processed.
	stuck, _ := f.store.GetWebhook(ctx, "stripe", "evt_stuck")
	item, _ := store.WebhookItem(stuck)
	record := events.DynamoDBEventRecord{EventName: "MODIFY", Change: events.DynamoDBStreamRecord{NewImage: item, SequenceNumber: "m1"}}
	is.True(process.Wants(record))
	_, err = f.processor.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{record}})
	is.NoErr(err)
	processed, _ := f.store.GetWebhook(ctx, "stripe", "evt_stuck")
	is.Equal(processed.Status, store.StatusProcessed)
	// A webhook received after the cutoff is never moved, even by name.
	is.True(store.MarkStuckRetry(ctx, f.store, "stripe", "evt_fresh", time.Now().Add(-15*time.Minute)) != nil)
}
