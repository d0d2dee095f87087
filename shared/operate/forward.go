package operate

import (
	"context"
	"errors"
	"time"

	"github.com/payhook/payhook/shared/store"
)

// DeadForward is a message given up on, as an operator sees it: everything
// but the body.
type DeadForward struct {
	Destination string    `json:"destination"`
	MessageID   string    `json:"message_id"`
	EventType   string    `json:"event_type"`
	PaymentKey  string    `json:"payment_key,omitempty"`
	QueuedAt    time.Time `json:"queued_at"`
	DeadAt      time.Time `json:"dead_at"`
	Attempts    int       `json:"attempts"`
	LastError   string    `json:"last_error,omitempty"`
}

// MaxDeadForwards bounds a listing of dead letters, oldest first; forward
// status counts them all.
const MaxDeadForwards = 1000

// Forwarding is what the forward commands do.
type Forwarding interface {
	ForwardStatus(ctx context.Context) ([]store.ForwardStatus, error)
	DeadForwards(ctx context.Context, destination string) ([]DeadForward, error)
	RedriveForwards(ctx context.Context, destination string) (int, error)
}

// errNoOutbox: on AWS, each destination's dead letters are on its SQS
// dead-letter queue.
var errNoOutbox = errors.New("forwarding on AWS keeps its dead letters on each destination's SQS dead-letter queue " +
	"(payhook-<env>-forward-<name>-dlq): redrive them with `aws sqs start-message-move-task --source-arn <dlq arn>`")

func (d Table) ForwardStatus(ctx context.Context) ([]store.ForwardStatus, error) {
	if d.Outbox == nil {
		return nil, errNoOutbox
	}
	return d.Outbox.ForwardStatuses(ctx)
}

func (d Table) DeadForwards(ctx context.Context, destination string) ([]DeadForward, error) {
	if d.Outbox == nil {
		return nil, errNoOutbox
	}
	dead, err := d.Outbox.DeadForwards(ctx, destination, MaxDeadForwards)
	if err != nil {
		return nil, err
	}
	views := make([]DeadForward, len(dead))
	for i, f := range dead {
		views[i] = DeadForward{Destination: f.Destination, MessageID: f.MessageID, EventType: f.EventType, PaymentKey: f.PaymentKey,
			QueuedAt: f.QueuedAt, DeadAt: f.DeadAt, Attempts: f.Attempts, LastError: f.LastError}
	}
	return views, nil
}

func (d Table) RedriveForwards(ctx context.Context, destination string) (int, error) {
	if d.Outbox == nil {
		return 0, errNoOutbox
	}
	return d.Outbox.RedriveForwards(ctx, destination)
}
