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
	PaymentKey string `json:"payment_key,omitempty"`
	// Provider and EventID name the webhook the message announces: its
	// delivery record lives and expires with it.
	Provider string    `json:"provider,omitempty"`
	EventID  string    `json:"event_id,omitempty"`
	Body     []byte    `json:"body"`
	QueuedAt time.Time `json:"queued_at"`
	// Attempts failed so far, when the first was made (the retry window
	// runs from it), when the next may be made, and why the last one
	// failed (never the consumer's answer body).
	Attempts       int       `json:"attempts"`
	FirstAttemptAt time.Time `json:"first_attempt_at,omitzero"`
	NextAttempt    time.Time `json:"next_attempt,omitzero"`
	LastError      string    `json:"last_error,omitempty"`
	// LastStatus is the HTTP status of the last attempt's answer (0: none
	// came), recorded with it.
	LastStatus int `json:"last_status,omitempty"`
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

// ForwardRecord is what became of one message at one destination: the
// outbox keeps it, with the webhook, for operators to read.
type ForwardRecord struct {
	Destination string    `json:"destination"`
	MessageID   string    `json:"message_id"`
	EventType   string    `json:"event_type"`
	QueuedAt    time.Time `json:"queued_at"`
	// State is queued, delivered or dead.
	State       string    `json:"state"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	DeadAt      time.Time `json:"dead_at,omitzero"`
	// Attempts counts every attempt; Tries keeps the last MaxTries.
	Attempts  int          `json:"attempts"`
	Tries     []ForwardTry `json:"tries,omitempty"`
	LastError string       `json:"last_error,omitempty"`
	// Resent counts the times an operator queued it again.
	Resent int `json:"resent,omitempty"`
}

// ForwardTry is one attempt: when, the consumer's status (0: no answer),
// and why it failed (never the answer's body).
type ForwardTry struct {
	At     time.Time `json:"at"`
	Status int       `json:"status,omitempty"`
	Error  string    `json:"error,omitempty"`
}

// Forward record states.
const (
	ForwardQueued    = "queued"
	ForwardDelivered = "delivered"
	ForwardDead      = "dead"
)

// MaxTries bounds the attempts a ForwardRecord keeps: a message retried
// for days has hundreds.
const MaxTries = 10

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
	// QueueForwards queues fs again, each at the end of its destination's
	// queue, attempts reset: an operator's resend.
	QueueForwards(ctx context.Context, fs []Forward) error
	// ForwardRecords are what became of the messages announcing the
	// webhook, one per destination.
	ForwardRecords(ctx context.Context, provider, eventID string) ([]ForwardRecord, error)
}
