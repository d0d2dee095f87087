package store

import (
	"context"
	"time"
)

// ProcessedWebhook is c's webhook after processing: the status and
// bookkeeping that CommitProcessed writes, for adapters that write whole
// items. It names the payment the event is about, applied or not, and
// what it changed when it was applied.
func ProcessedWebhook(c Commit) Webhook {
	w := c.Webhook
	w.Status, w.LastError, w.PaymentKey, w.Change = StatusProcessed, "", c.PaymentKey, nil
	if c.Payment != nil {
		w.PaymentKey = PaymentKey(c.Payment.Provider, c.Payment.PaymentID)
		w.Change = c.Change
	}
	w.Outcome, w.OutcomeReason = string(c.Verdict.Outcome), c.Verdict.Reason
	w.Attempts++
	w.UpdatedBy, w.UpdatedAt = ByProcessor, c.At
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

// MarkFailed moves a webhook from status from to FAILED with reason.
func MarkFailed(ctx context.Context, st Processing, provider, eventID string, from Status, reason string) error {
	return transition(ctx, st, provider, eventID, from, func(w Webhook, at time.Time) Webhook { return FailedWebhook(w, reason, at) })
}

// MarkRetry moves a FAILED webhook to RETRY: a redrive.
func MarkRetry(ctx context.Context, st Processing, provider, eventID string) error {
	return transition(ctx, st, provider, eventID, StatusFailed, RetryWebhook)
}

// MarkStuckRetry moves a webhook still RECEIVED, and received before
// cutoff, to RETRY: one a stream consumer gave up on.
func MarkStuckRetry(ctx context.Context, st Processing, provider, eventID string, cutoff time.Time) error {
	w, err := st.GetWebhook(ctx, provider, eventID)
	if err != nil {
		return err
	}
	if !w.ReceivedAt.Before(cutoff) {
		return ErrWebhookNotPending
	}
	return transition(ctx, st, provider, eventID, StatusReceived, RetryWebhook)
}

// transition reads the webhook, refuses any status but from, and writes
// change(w) on condition that the status did not move in between.
func transition(ctx context.Context, st Processing, provider, eventID string, from Status, change func(Webhook, time.Time) Webhook) error {
	w, err := st.GetWebhook(ctx, provider, eventID)
	if err != nil {
		return err
	}
	if w.Status != from {
		return ErrWebhookNotPending
	}
	return st.PutWebhookIfStatus(ctx, change(w, time.Now().UTC()), from)
}
