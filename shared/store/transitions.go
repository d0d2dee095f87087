package store

import (
	"context"
	"time"
)

// ProcessedWebhook is w after processing: the status and bookkeeping that
// CommitProcessed writes, for adapters that write whole items.
func ProcessedWebhook(w Webhook, paymentKey string, at time.Time) Webhook {
	w.Status, w.LastError, w.PaymentKey = StatusProcessed, "", paymentKey
	w.Attempts++
	w.UpdatedBy, w.UpdatedAt = ByProcessor, at
	return w
}

// FailedWebhook is w after a permanent failure.
func FailedWebhook(w Webhook, reason string, at time.Time) Webhook {
	w.Status, w.LastError = StatusFailed, reason
	w.Attempts++
	w.UpdatedBy, w.UpdatedAt = ByProcessor, at
	return w
}

// RetryWebhook is w after a redrive.
func RetryWebhook(w Webhook, at time.Time) Webhook {
	w.Status, w.UpdatedBy, w.UpdatedAt = StatusRetry, ByRedrive, at
	return w
}

// Transition moves a webhook out of status from: it reads the webhook,
// refuses any other status, and writes change(w) through putIfStatus, which
// must fail with ErrWebhookNotPending if the status moved in between.
func Transition(ctx context.Context, get func(context.Context, string, string) (Webhook, error), putIfStatus func(context.Context, Webhook, Status) error,
	provider, eventID string, from Status, change func(Webhook, time.Time) Webhook) error {
	w, err := get(ctx, provider, eventID)
	if err != nil {
		return err
	}
	if w.Status != from {
		return ErrWebhookNotPending
	}
	return putIfStatus(ctx, change(w, time.Now().UTC()), from)
}
