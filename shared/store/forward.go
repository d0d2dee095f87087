package store

import (
	"context"
	"time"
)

// Forward is a canonical event queued for one of the user's endpoints: the
// local outbox, written in the same transaction as the payment state the
// event produced (Commit.Forwards), so that a change is forwarded exactly
// when it is committed. On AWS, EventBridge rules and SQS queues hold what
// this holds.
type Forward struct {
	// Destination names the endpoint: its URL.
	Destination string `json:"destination"`
	// Seq is the message's place in its destination's queue, given by the
	// store: a payment's messages are delivered in this order.
	Seq       uint64 `json:"seq"`
	MessageID string `json:"message_id"`
	EventType string `json:"event_type"`
	// PaymentKey orders delivery; empty for an event about no payment.
	PaymentKey string    `json:"payment_key,omitempty"`
	Body       []byte    `json:"body"`
	QueuedAt   time.Time `json:"queued_at"`
	// Attempts failed so far, when the first was made (the retry window
	// runs from it), when the next may be made, and why the last one
	// failed (never the consumer's answer body).
	Attempts       int       `json:"attempts"`
	FirstAttemptAt time.Time `json:"first_attempt_at,omitzero"`
	NextAttempt    time.Time `json:"next_attempt,omitzero"`
	LastError      string    `json:"last_error,omitempty"`
	// DeadAt is when it was given up on: set on dead letters only.
	DeadAt time.Time `json:"dead_at,omitzero"`
	// Held, as PendingForwards reads it, says an earlier message of its
	// payment is on the dead-letter queue: this one must follow it there,
	// so that the payment's messages stay in order.
	Held bool `json:"-"`
}

// ForwardStatus is where one destination's delivery stands.
type ForwardStatus struct {
	Destination string `json:"destination"`
	// Backlog is the messages waiting; Dead those given up on.
	Backlog     int       `json:"backlog"`
	Dead        int       `json:"dead"`
	Delivered   int64     `json:"delivered"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
}

// Outbox is the queue of forwards: what the dispatcher delivers from.
type Outbox interface {
	// PendingForwards returns up to limit of the destination's waiting
	// messages in queue order, due or not, from the first after sequence
	// after (0: from the start).
	PendingForwards(ctx context.Context, destination string, after uint64, limit int) ([]Forward, error)
	// ForwardDelivered removes f from its queue and records the success.
	ForwardDelivered(ctx context.Context, f Forward, at time.Time) error
	// ForwardFailed stores f's new Attempts, NextAttempt and LastError and
	// records the failure.
	ForwardFailed(ctx context.Context, f Forward, at time.Time) error
	// DeadLetterForward moves f (with its LastError) from its queue to the
	// destination's dead letters, and holds its payment: the payment's
	// later messages are Held until a redrive.
	DeadLetterForward(ctx context.Context, f Forward, at time.Time) error
	// ForwardStatuses covers every destination with anything queued, dead
	// or delivered.
	ForwardStatuses(ctx context.Context) ([]ForwardStatus, error)
	// DeadForwards lists up to limit dead letters of one destination, or
	// of all when destination is empty, oldest first.
	DeadForwards(ctx context.Context, destination string, limit int) ([]Forward, error)
	// RedriveForwards queues the dead letters again (of one destination,
	// or all) in their places, attempts reset, releases their payments,
	// and reports how many.
	RedriveForwards(ctx context.Context, destination string) (int, error)
}
