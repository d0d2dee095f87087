package process

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/store"
)

// Redrive sets a FAILED webhook to RETRY; the table's stream hands it back
// to the processor. Any other status is refused: a redrive never reprocesses
// a webhook that succeeded, and never races one in flight.
func Redrive(ctx context.Context, st store.Processing, provider, eventID string) error {
	err := store.MarkRetry(ctx, st, provider, eventID)
	if errors.Is(err, store.ErrWebhookNotPending) {
		w, getErr := st.GetWebhook(ctx, provider, eventID)
		if getErr != nil {
			return getErr
		}
		return fmt.Errorf("%s %s is %s, not FAILED: not redriven", provider, eventID, w.Status)
	}
	if errors.Is(err, store.ErrNotFound) {
		return notStored{provider: provider, eventID: eventID}
	}
	return err
}

// notStored is a redrive of a webhook the table does not hold: a typo, or
// one expired. It is a store.ErrNotFound.
type notStored struct{ provider, eventID string }

func (n notStored) Error() string {
	return fmt.Sprintf("no webhook %s/%s is stored (payhook events lists those that are)", n.provider, n.eventID)
}

func (notStored) Unwrap() error { return store.ErrNotFound }

// RedriveReport says what a queue redrive did.
type RedriveReport struct {
	Redriven []string // "provider/event id"
	// Dropped messages named a webhook that is no longer FAILED, and were
	// deleted: "provider/event id: why" (it was processed since, it waits
	// for the processor already, or it is no longer stored).
	Dropped []string
	// Kept messages could not be redriven and stay on the queue.
	Kept []string
}

// RedriveQueue redrives every webhook named on the processor's dead-letter
// queue and deletes each message once handled. A received message is
// hidden for a while, so each Receive pages past the messages kept; an
// empty Receive ends it. Messages are told apart by their id, which stays
// the same however often one is received.
func RedriveQueue(ctx context.Context, st store.Processing, q deadletter.Queue) (RedriveReport, error) {
	var report RedriveReport
	seen := map[string]bool{}
	for {
		messages, err := q.Receive(ctx, 10)
		if err != nil {
			return report, err
		}
		if len(messages) == 0 {
			return report, nil
		}
		for _, m := range messages {
			if seen[m.ID] {
				continue
			}
			seen[m.ID] = true
			provider, eventID, err := deadletter.WebhookOf(m.Body)
			if err != nil {
				report.Kept = append(report.Kept, "message "+m.ID+": "+err.Error())
				continue
			}
			name := provider + "/" + eventID
			moot, err := redriveOne(ctx, st, provider, eventID)
			switch {
			case err != nil:
				report.Kept = append(report.Kept, name+": "+err.Error())
				continue
			case moot == "":
				report.Redriven = append(report.Redriven, name)
			default:
				report.Dropped = append(report.Dropped, name+": "+moot)
			}
			if err := q.Delete(ctx, m); err != nil {
				return report, err
			}
		}
	}
}

// StuckReport says what a redrive of stuck webhooks did.
type StuckReport struct {
	Redriven []string // "provider/event id"
	// Skipped webhooks moved on (processed, or received again lately)
	// between the listing and the redrive.
	Skipped []string
}

// RedriveStuck moves every webhook still RECEIVED and received before
// cutoff to RETRY, so that the processor takes it again: the webhooks a
// stream consumer gave up on, which no dead-letter message names. Each
// move is conditional: a webhook the processor finishes meanwhile is left
// alone.
func RedriveStuck(ctx context.Context, st interface {
	store.Processing
	store.Listing
}, cutoff time.Time) (StuckReport, error) {
	var report StuckReport
	stuck, err := st.ListWebhooks(ctx, store.WebhookFilter{Status: store.StatusReceived, ReceivedBefore: cutoff})
	if err != nil {
		return report, err
	}
	for _, w := range stuck {
		name := w.Provider + "/" + w.EventID
		err := store.MarkStuckRetry(ctx, st, w.Provider, w.EventID, cutoff)
		switch {
		case err == nil:
			report.Redriven = append(report.Redriven, name)
		case errors.Is(err, store.ErrWebhookNotPending), errors.Is(err, store.ErrNotFound):
			report.Skipped = append(report.Skipped, name)
		default:
			return report, err
		}
	}
	return report, nil
}

// redriveOne sets the webhook to RETRY, or says why the message is moot
// (processed since, retrying already, expired).
func redriveOne(ctx context.Context, st store.Processing, provider, eventID string) (moot string, err error) {
	err = store.MarkRetry(ctx, st, provider, eventID)
	if err == nil {
		return "", nil
	}
	if errors.Is(err, store.ErrNotFound) {
		return "no longer stored (expired)", nil
	}
	if !errors.Is(err, store.ErrWebhookNotPending) {
		return "", err
	}
	w, err := st.GetWebhook(ctx, provider, eventID)
	if err != nil {
		return "", err
	}
	switch w.Status {
	case store.StatusReceived:
		// Never processed: a stream consumer gave up on it. Keep the
		// message; the operator must see why before it is retried.
		return "", fmt.Errorf("still %s: the processor never finished it (payhook redrive --stuck takes it back)", w.Status)
	case store.StatusRetry:
		return "RETRY already: redriven before, it waits for the processor", nil
	}
	return fmt.Sprintf("%s since it failed", w.Status), nil
}
