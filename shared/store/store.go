// Package store is the storage port of payhook: the webhook record, its item
// shape (the one DynamoDB holds and its stream delivers), and the errors the
// adapters return. store/dynamo and store/embedded implement it; storetest
// holds the contract suite both pass.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/payhook/payhook/shared/payment"
)

// Status is where a stored webhook is in its processing.
type Status string

const (
	StatusReceived  Status = "RECEIVED"
	StatusProcessed Status = "PROCESSED"
	StatusFailed    Status = "FAILED"
	StatusRetry     Status = "RETRY"
)

// Webhook is one genuine delivery, as stored.
type Webhook struct {
	Provider   string
	EventID    string
	EventType  string
	ReceivedAt time.Time
	OccurredAt time.Time
	// Body is the raw body as received; adapters may compress it at rest.
	Body []byte
	// SignatureHeaders are the provider's signature headers, kept so that the
	// delivery can be verified again later.
	SignatureHeaders map[string]string
	SourceIP         string
	RequestID        string
	Status           Status
	Attempts         int
	LastError        string
	PaymentKey       string
	// Change is what the event did to its payment, when it was applied
	// (nil for one processed before changes were recorded).
	Change *payment.Change
	// Outcome is what processing did with the event (payment.Outcome:
	// applied, or why not), and OutcomeReason says why in words.
	Outcome       string
	OutcomeReason string
	// ExpiresAt ends the deduplication window: the item's TTL.
	ExpiresAt time.Time
	// UpdatedBy names the component that last wrote the item (receiver,
	// processor, redrive): the auditor's actor.
	UpdatedBy string
	UpdatedAt time.Time
	// Source is how the event reached payhook: SourceWebhook for a
	// delivery, SourceReconcile for one fetched from the provider's API.
	Source string
}

// Sources, as recorded in Webhook.Source. Items written before sources
// existed read as SourceWebhook.
const (
	SourceWebhook   = "webhook"
	SourceReconcile = "reconcile"
)

// Webhooks stores deliveries exactly once per provider and event id.
type Webhooks interface {
	// PutWebhook stores w unless a webhook with its provider and event id is
	// already stored, and reports which. It returns without error only once
	// the write is durable; on error nothing may be assumed stored.
	PutWebhook(ctx context.Context, w Webhook) (created bool, err error)
	// PutWebhooks stores every webhook of ws not already stored (by provider
	// and event id), all in one transaction or none, and reports for each
	// whether it was new. created[i] is false when ws[i] is a duplicate: of
	// a webhook stored before, or of an earlier one in ws. A partly
	// duplicate batch stores the rest; concurrent batches store each webhook
	// once. Every item is checked before any write: one the store refuses
	// (ErrRejected) refuses the whole batch. It returns without error only
	// once the writes are durable; on error nothing may be assumed stored,
	// but for DynamoDB's limit of 100 items per transaction: a longer batch
	// is written 100 at a time, and a failure leaves the earlier ones
	// stored. A retry of the whole batch then finds them duplicates, so
	// nothing is lost or stored twice.
	PutWebhooks(ctx context.Context, ws []Webhook) (created []bool, err error)
	// GetWebhook returns the stored webhook, or ErrNotFound.
	GetWebhook(ctx context.Context, provider, eventID string) (Webhook, error)
	// BindTransmission records b unless its transmission is already bound,
	// and reports whether the transmission is bound to b's body. false means
	// the same signature headers came with another body: a forgery. It
	// returns without error only once the binding is durable.
	BindTransmission(ctx context.Context, b Binding) (sameBody bool, err error)
}

// Processing is what the processor and redrive need of the table.
type Processing interface {
	GetWebhook(ctx context.Context, provider, eventID string) (Webhook, error)
	// GetPayment returns the state of the provider's payment, or ErrNotFound.
	GetPayment(ctx context.Context, provider, paymentID string) (payment.State, error)
	// CommitProcessed writes c.Payment (when set) and marks the webhook
	// PROCESSED, in one transaction, or neither. It fails with
	// ErrWebhookNotPending when the webhook's status is no longer
	// c.Webhook.Status, and ErrPaymentChanged when the payment's version is
	// no longer c.PreviousVersion.
	CommitProcessed(ctx context.Context, c Commit) error
	// PutWebhookIfStatus writes w whole, on condition that the stored
	// webhook's status is still from; ErrWebhookNotPending otherwise. The
	// transitions (MarkFailed, MarkRetry) are built on it.
	PutWebhookIfStatus(ctx context.Context, w Webhook, from Status) error
}

// Listing is what operators read: every webhook matching a filter, and
// every payment. Both read the whole table; they are for operators, never
// for the request path.
type Listing interface {
	ListWebhooks(ctx context.Context, filter WebhookFilter) ([]Webhook, error)
	ListPayments(ctx context.Context) ([]payment.State, error)
}

// WebhookDeleter deletes a webhook, as a REMOVE the auditor records; one
// that is not there is not an error. Only payhook smoke removes webhooks:
// its own.
type WebhookDeleter interface {
	DeleteWebhook(ctx context.Context, provider, eventID string) error
}

// Table is everything the adapters implement.
type Table interface {
	Webhooks
	Processing
	Listing
	Query
	Checkpoints
	WebhookDeleter
}

// Commit is one processed webhook and the payment state it produced.
type Commit struct {
	Webhook Webhook
	// Payment is the new state, or nil when the event changes no payment.
	Payment *payment.State
	// PreviousVersion is the version the state was computed from; 0 means
	// the payment must not exist yet.
	PreviousVersion int64
	// Verdict is what the event did to its payment, recorded on the webhook.
	Verdict payment.Verdict
	// PaymentKey names the payment the event is about (PaymentKey), for an
	// event that changed nothing too, so that a payment's timeline shows
	// why it was ignored; empty for an event about no payment.
	PaymentKey string
	// Change is what Payment changed, recorded on the webhook with it.
	Change *payment.Change
	// Forwards are queued in the same transaction (the embedded store's
	// outbox); a store without an outbox refuses a commit that has any.
	Forwards []Forward
	At       time.Time
}

// Components, as recorded in UpdatedBy.
const (
	ByReceiver  = "receiver"
	ByProcessor = "processor"
	ByRedrive   = "redrive"
	ByReconcile = "reconciler"
)

var (
	ErrNotFound = errors.New("not found")
	// ErrWebhookNotPending: someone else already moved the webhook on.
	ErrWebhookNotPending = errors.New("webhook is not in the expected status")
	// ErrPaymentChanged: the payment moved on since it was read.
	ErrPaymentChanged = errors.New("payment changed since it was read")
	// ErrUnavailable wraps storage failures that a later try may not have:
	// throttling, timeouts, a closed store.
	ErrUnavailable = errors.New("storage unavailable")
	// ErrLocked: another process holds the store (the embedded store's
	// file, which one process at a time may open).
	ErrLocked = errors.New("store is in use by another process")
	// ErrRejected wraps writes the store refuses whatever the moment: a key
	// or item over its limits. Retrying the same write cannot succeed.
	ErrRejected = errors.New("storage refuses this item")
)

// Limits every adapter holds items to: DynamoDB's.
const (
	MaxPartitionKeyBytes = 2048
	MaxSortKeyBytes      = 1024
)

// Unavailable wraps a storage failure that a later try may not have.
func Unavailable(err error) error { return fmt.Errorf("%w: %w", ErrUnavailable, err) }

// CheckKeys refuses an item whose keys DynamoDB would refuse, so that every
// adapter answers alike.
func CheckKeys(item Item) error {
	if len(str(item, AttrPK)) > MaxPartitionKeyBytes || len(str(item, AttrSK)) > MaxSortKeyBytes {
		return fmt.Errorf("%w: key over DynamoDB's limit", ErrRejected)
	}
	return nil
}

// DefaultRetention is the deduplication window: providers retry for up to
// three days; 35 days also covers manual resends from their dashboards.
const DefaultRetention = 35 * 24 * time.Hour
