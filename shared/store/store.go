// Package store is the storage port of payhook: the webhook record, its item
// shape (the one DynamoDB holds and its stream delivers), and the errors the
// adapters return. store/dynamo and store/embedded implement it; storetest
// holds the contract suite both pass.
package store

import (
	"context"
	"errors"
	"time"
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
	// ExpiresAt ends the deduplication window: the item's TTL.
	ExpiresAt time.Time
}

// Webhooks stores deliveries exactly once per provider and event id.
type Webhooks interface {
	// PutWebhook stores w unless a webhook with its provider and event id is
	// already stored, and reports which. It returns without error only once
	// the write is durable; on error nothing may be assumed stored.
	PutWebhook(ctx context.Context, w Webhook) (created bool, err error)
	// GetWebhook returns the stored webhook, or ErrNotFound.
	GetWebhook(ctx context.Context, provider, eventID string) (Webhook, error)
}

var (
	ErrNotFound = errors.New("not found")
	// ErrUnavailable wraps storage failures that a later try may not have:
	// throttling, timeouts, a closed store.
	ErrUnavailable = errors.New("storage unavailable")
)

// DefaultRetention is the deduplication window: providers retry for up to
// three days; 35 days also covers manual resends from their dashboards.
const DefaultRetention = 35 * 24 * time.Hour
