package process_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/store"
)

// retried is the MODIFY stream record a move of the webhook to RETRY
// writes: its new image is the stored item.
func retried(t *testing.T, f *fixture, id string) events.DynamoDBEventRecord {
	t.Helper()
	w, err := f.store.GetWebhook(context.Background(), "stripe", id)
	if err != nil {
		t.Fatal(err)
	}
	if w.Status != store.StatusRetry {
		t.Fatalf("%s is %s, not RETRY", id, w.Status)
	}
	item, err := store.WebhookItem(w)
	if err != nil {
		t.Fatal(err)
	}
	return events.DynamoDBEventRecord{EventName: "MODIFY", Change: events.DynamoDBStreamRecord{NewImage: item, SequenceNumber: id + "-retry"}}
}

// TestAStuckRedriveOfAnInFlightWebhookAnnouncesOnce: the processor is
// behind (its INSERT record not yet done, e.g. retried after throttling),
// and an operator's `redrive --stuck` moves the RECEIVED webhook to RETRY.
// The stream then holds the INSERT record (image RECEIVED) and the MODIFY
// record (image RETRY). The webhook is applied once, so it must be
// published and alerted once: a record is pending only while the webhook
// is still in its image's status, on which its commit is conditioned;
// otherwise the INSERT record would publish and alert, its commit be
// refused, and the MODIFY record would publish and alert again.
func TestAStuckRedriveOfAnInFlightWebhookAnnouncesOnce(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	pub := &published{}
	f.processor.Publisher = pub
	ctx := context.Background()
	insert := f.received(t, "evt_failed", "payment_intent.payment_failed", intent)
	report, err := process.RedriveStuck(ctx, f.store, time.Now().Add(time.Minute))
	is.NoErr(err)
	is.Equal(len(report.Redriven), 1)
	modify := retried(t, f, "evt_failed")

	resp, err := f.processor.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{insert, modify}})
	is.NoErr(err)
	is.Equal(len(resp.BatchItemFailures), 0)
	state, err := f.store.GetPayment(ctx, "stripe", "pi_1")
	is.NoErr(err)
	is.Equal(state.Version, int64(1)) // applied once...
	is.Equal(len(*pub), 1)            // ...so published once
	is.Equal(len(*f.alerts), 1)       // ...and alerted once
}

// TestAStuckRedriveOfAnInFlightWebhookDeadLettersOnce: the same race for
// an unprocessable webhook: one dead letter, from the MODIFY record (the
// INSERT record's would be followed by a refused MarkFailed, and a
// second letter).
func TestAStuckRedriveOfAnInFlightWebhookDeadLettersOnce(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	ctx := context.Background()
	insert := f.received(t, "evt_bad", "charge.succeeded", `{"id":"ch_1","object":"charge","amount":-5,"currency":"usd","payment_intent":"pi_1"}`)
	_, err := process.RedriveStuck(ctx, f.store, time.Now().Add(time.Minute))
	is.NoErr(err)
	modify := retried(t, f, "evt_bad")

	resp, err := f.processor.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{insert, modify}})
	is.NoErr(err)
	is.Equal(len(resp.BatchItemFailures), 0)
	w, err := f.store.GetWebhook(ctx, "stripe", "evt_bad")
	is.NoErr(err)
	is.Equal(w.Status, store.StatusFailed)
	letters, err := f.dlq.Receive(ctx, 10)
	is.NoErr(err)
	is.Equal(len(letters), 1)
}
