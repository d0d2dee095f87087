// Package deadletter is the dead-letter queue port: where webhooks that
// cannot be processed are named for an operator, and where redrive finds
// them. The SQS adapter is beside it; the embedded store has its own.
package deadletter

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/payhook/payhook/shared/store"
)

// Queue is a dead-letter queue, with SQS's semantics: a received message
// is hidden for a while (so that the next Receive returns others) and
// stays until deleted.
type Queue interface {
	Send(ctx context.Context, body []byte) error
	// Receive returns up to max messages not received lately.
	Receive(ctx context.Context, max int) ([]Message, error)
	Delete(ctx context.Context, m Message) error
}

// Message is one message on a queue.
type Message struct {
	// ID is the message's own id, the same on every receive.
	ID string
	// Handle is what Delete needs (SQS: the receipt handle, new on each
	// receive).
	Handle string
	Body   []byte
	Source string
	SentAt time.Time
}

// Failure is the message the processor sends for a webhook it marked
// FAILED: the webhook's keys and why, never its payload.
type Failure struct {
	Provider string `json:"provider"`
	EventID  string `json:"event_id"`
	Reason   string `json:"reason"`
}

// WebhookOf finds the webhook a message names: a Failure, or a stream
// record that a consumer gave up on.
func WebhookOf(body []byte) (provider, eventID string, err error) {
	var failure Failure
	if json.Unmarshal(body, &failure) == nil && failure.Provider != "" && failure.EventID != "" {
		return failure.Provider, failure.EventID, nil
	}
	var record events.DynamoDBEventRecord
	if json.Unmarshal(body, &record) == nil && store.KindOf(record.Change.NewImage) == store.KindWebhook {
		if w, err := store.DecodeWebhook(record.Change.NewImage); err == nil {
			return w.Provider, w.EventID, nil
		}
	}
	return "", "", errors.New("message names no webhook")
}
