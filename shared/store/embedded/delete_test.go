package embedded_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
)

// TestDeleteWebhookLeavesARemoveRecord: a deletion is gone from the table
// and, like DynamoDB's, shows on the change feed for the auditor.
func TestDeleteWebhookLeavesARemoveRecord(t *testing.T) {
	is := is.New(t)
	s, err := embedded.Open(filepath.Join(t.TempDir(), "payhook.db"), embedded.Options{})
	is.NoErr(err)
	defer s.Close()
	ctx := context.Background()
	w := store.Webhook{Provider: "stripe", EventID: "payhook-smoke-1", EventType: "payhook.smoke", Body: []byte(`{}`),
		Status: store.StatusReceived, ReceivedAt: time.Now().UTC(), ExpiresAt: time.Now().Add(time.Hour)}
	_, err = s.PutWebhook(ctx, w)
	is.NoErr(err)

	is.NoErr(s.DeleteWebhook(ctx, "stripe", "payhook-smoke-1"))
	_, err = s.GetWebhook(ctx, "stripe", "payhook-smoke-1")
	is.True(errors.Is(err, store.ErrNotFound))
	is.NoErr(s.DeleteWebhook(ctx, "stripe", "payhook-smoke-1")) // already gone: nothing to do
	w.EventID = "after"
	_, err = s.PutWebhook(ctx, w)
	is.NoErr(err)

	seen := make(chan events.DynamoDBEventRecord, 8)
	consumeCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		_ = s.Consume(consumeCtx, 0, embedded.Subscriber{Name: "auditor", Handler: func(_ context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			for _, r := range e.Records {
				seen <- r
			}
			return events.DynamoDBEventResponse{}, nil
		}})
	}() // stopped by the test's end
	var records []events.DynamoDBEventRecord
	for len(records) < 3 {
		select {
		case r := <-seen:
			records = append(records, r)
		case <-time.After(10 * time.Second):
			t.Fatalf("the feed delivered %d records, want 3", len(records))
		}
	}
	is.Equal(records[1].EventName, "REMOVE")
	is.Equal(records[1].Change.OldImage["event_id"].String(), "payhook-smoke-1")
	is.Equal(records[2].Change.NewImage["event_id"].String(), "after") // the second delete wrote nothing
}
