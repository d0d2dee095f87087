// Package operate is what an operator does to a payhook deployment, for
// the CLI and a console alike: list webhooks by filter a page at a time,
// show one webhook or payment in full, redrive and resend by filter in
// paced pages, forwarding, reconciliation. By role:
//
//   - Table does it on a store and its queues directly (the embedded
//     store, or DynamoDB, SQS and EventBridge on AWS): inspect.go,
//     recover.go, forward.go, reconcile.go, aws.go;
//   - AdminHandler serves an Operator on serve's admin API, behind one
//     token check (admin.go);
//   - Remote is an Operator that asks that API (remote.go).
package operate

import (
	"context"
	"io"
	"time"

	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/reconcile"
	"github.com/payhook/payhook/shared/store"
)

// Operator is what the events, payments and redrive commands do.
type Operator interface {
	// Events lists webhooks newest first, a page at a time.
	Events(ctx context.Context, f Filter, p Page) (EventPage, error)
	// Event is everything held about one webhook.
	Event(ctx context.Context, provider, eventID string) (EventDetail, error)
	// Payment is a payment's state and timeline ("<provider>/<payment id>").
	Payment(ctx context.Context, key string) (PaymentDetail, error)
	// RedriveMatching redrives one page of a filter's FAILED (or given-up
	// RECEIVED) webhooks; Drive runs every page.
	RedriveMatching(ctx context.Context, req BulkRequest) (BulkPage, error)
	// Resend sends applied events to the user's endpoints again.
	Resend(ctx context.Context, req ResendRequest) (BulkPage, error)
	Webhooks(ctx context.Context, filter store.WebhookFilter) ([]WebhookView, error)
	Payments(ctx context.Context) ([]payment.State, error)
	Redrive(ctx context.Context, provider, eventID string) error
	RedriveAll(ctx context.Context) (process.RedriveReport, error)
	// RedriveStuck moves webhooks RECEIVED before cutoff to RETRY.
	RedriveStuck(ctx context.Context, cutoff time.Time) (process.StuckReport, error)
	// Reconcile stores the events provider created in [since, until) that
	// were never received.
	Reconcile(ctx context.Context, provider string, since, until time.Time) (reconcile.Report, error)
	// Checkpoints says how far reconciliation has got, per provider with
	// an event API.
	Checkpoints(ctx context.Context) ([]CheckpointView, error)
	Forwarding
}

// Table operates on a store and its dead-letter queue (nil when unknown).
type Table struct {
	Store store.Table
	DLQ   deadletter.Queue
	// Name is the deployment's name on AWS (its table's), which its
	// functions' log groups carry; empty locally.
	Name string
	// AuditTrail opens the audit trail to read: the data directory's
	// file; nil on AWS, where it is the auditor's CloudWatch Logs.
	AuditTrail func() (io.ReadCloser, error)
	// Outbox is the embedded store's forwarding outbox; nil on AWS.
	Outbox store.Outbox
	// Transact, when set, runs fn's writes in one transaction: the
	// embedded store's, so that a bulk redrive commits once a page.
	Transact func(ctx context.Context, fn func(store.Processing) error) error
	// Resender sends applied events again; nil where nothing forwards.
	Resender Resender
	// Reconciler and Sources reconcile on demand; Sources finds a
	// provider's event API with the credentials at hand.
	Reconciler *reconcile.Reconciler
	Sources    func(provider string) (reconcile.Source, error)
}
