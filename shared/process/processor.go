// Package process is the processor use case: stream records of new (or
// redriven) webhooks in, canonical events, payment state and alerts out.
// Processor.Handle has the signature of a Lambda stream consumer; the
// embedded change feed and the DynamoDB Streams poller call the same one.
package process

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"

	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/metrics"
	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/api"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/stream"
)

// DefaultCritical are the event types that raise an alert.
var DefaultCritical = []payment.Type{payment.DisputeOpened, payment.Failed}

// Processor turns stored webhooks into payment state. Publisher may be nil.
type Processor struct {
	Store     store.Processing
	DLQ       deadletter.Queue
	Publisher notify.Publisher
	Alerter   notify.Alerter
	Critical  []payment.Type
	// Normalize is registry.Normalize; a test may wrap it.
	Normalize func(payment.Delivery) (payment.Event, error)
	// Confirm, when set, returns the webhook as its provider holds it
	// (reconcile.Confirmation), which is then processed instead of the
	// delivery, and whether the delivery differed: a forgery of a genuine
	// event, alerted on. An error wrapping provider.ErrNotConfirmed (the
	// provider does not know the event) fails the webhook with a critical
	// alert; any other error fails it too, to be redriven, rather than
	// hold back every later record of the stream.
	Confirm func(ctx context.Context, w store.Webhook) (confirmed store.Webhook, differs bool, err error)
	// Amounts, when set, completes an event whose amount its provider did
	// not state (reconcile.Confirmation.Amounts: GoCardless's, read from
	// its API); without it, or without the provider's credentials, the
	// amount stays unknown. An error wrapping provider.ErrNotConfirmed
	// (the provider does not know the payment) fails the webhook with a
	// critical alert; any other error (the API unreachable) fails it for
	// redrive, as Confirm's do.
	Amounts func(ctx context.Context, e payment.Event) (payment.Event, error)
	// Forwards, when set, gives the messages an applied event queues for
	// the user's endpoints (forward.Enqueue): committed with the payment
	// state they announce, so each change is forwarded once it is durable
	// and never lost after. Only serve's embedded store has the outbox.
	Forwards func(payment.Announcement, time.Time) ([]store.Forward, error)
	Log      zerolog.Logger
	Clock    func() time.Time
	// Metrics, when set, counts webhooks processed (by verdict) and failed.
	Metrics metrics.Recorder
}

// maxReasonBytes bounds a failure's reason on its way to the table, the
// dead-letter queue, alerts and the audit trail.
const maxReasonBytes = 256

// maxConflicts bounds the recomputations when other webhooks of the same
// payment commit in between: past it the record is retried later.
const maxConflicts = 5

// Wants reports whether the processor acts on a record: a webhook just
// received, or one a redrive set to RETRY. It is the code form of the event
// source mapping's filter criteria.
func Wants(r events.DynamoDBEventRecord) bool {
	image := r.Change.NewImage
	if store.KindOf(image) != store.KindWebhook {
		return false
	}
	status := store.Status(image[store.AttrStatus].String())
	switch events.DynamoDBOperationType(r.EventName) {
	case events.DynamoDBOperationTypeInsert:
		return status == store.StatusReceived
	case events.DynamoDBOperationTypeModify:
		return status == store.StatusRetry
	}
	return false
}

// Handle processes records in order. At the first transient failure it stops
// and reports that record and every later one, so Lambda (or the feed)
// retries from there and a payment's events keep their order.
//
// A provider's API that fails during the batch (Confirm, Amounts) is not
// asked again in it: the rest of that provider's records that need it fail
// at once for redrive (api.Breaker), so that an outage costs one event's
// retries per batch, not every record's, and the records behind them are
// not held back.
func (p *Processor) Handle(ctx context.Context, event events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	ctx = api.WithBreaker(ctx)
	for i, record := range event.Records {
		if !Wants(record) {
			continue
		}
		if err := p.processRecord(ctx, record); err != nil {
			p.Log.Warn().Err(err).Str("sequence", record.Change.SequenceNumber).Msg("processing failed; will retry")
			return stream.FailFrom(event.Records, i), nil
		}
	}
	return events.DynamoDBEventResponse{}, nil
}

func (p *Processor) processRecord(ctx context.Context, record events.DynamoDBEventRecord) error {
	delivered, err := store.DecodeWebhook(record.Change.NewImage)
	if err != nil {
		// Not a webhook we can name: nothing to mark, retrying cannot help.
		p.Log.Error().Err(err).Str("sequence", record.Change.SequenceNumber).Msg("stream record is not a webhook; skipped")
		return nil
	}
	// The image is the webhook as written, RECEIVED or RETRY (Wants), and
	// is acted on without reading it again. The record may be a
	// redelivery, of a webhook processed since: the commit is conditional
	// on the image's status, so the payment never changes twice, and
	// whatever would leave the table first reads the webhook (check).
	current := delivered
	check := &pendingCheck{store: p.Store, provider: delivered.Provider, eventID: delivered.EventID, image: delivered.Status}
	log := p.Log.With().Str("provider", current.Provider).Str("event_id", current.EventID).Logger()
	if p.Confirm != nil {
		// Most providers' webhooks come back as they are, unasked. A
		// redelivered record of a webhook processed since asks its provider
		// again, which only reads; what follows is checked like the rest.
		confirmed, differs, err := p.Confirm(ctx, current)
		switch {
		case errors.Is(err, provider.ErrNotConfirmed):
			return p.refuse(ctx, check, current, "_event_not_confirmed", payment.Truncate(err.Error(), maxReasonBytes), log)
		case err != nil:
			reason := fmt.Sprintf("could not confirm with %s: %v", current.Provider, err)
			return p.fail(ctx, check, current, payment.Truncate(reason, maxReasonBytes), log)
		case differs:
			if pending, err := check.pending(ctx); err != nil || !pending {
				return err
			}
			reason := "the delivery differs from " + current.Provider + "'s own copy of the event, which is processed instead"
			if err := p.alert(ctx, current, "_event_differs", reason); err != nil {
				return err
			}
			log.Error().Msg(reason)
		}
		current = confirmed
	}
	event, err := p.normalize(current)
	if errors.Is(err, payment.ErrUnprocessable) {
		return p.fail(ctx, check, current, payment.Truncate(err.Error(), maxReasonBytes), log)
	}
	if err != nil {
		return err
	}
	if p.Amounts != nil && event.AmountUnknown {
		completed, err := p.Amounts(ctx, event)
		switch {
		case errors.Is(err, provider.ErrNotConfirmed):
			return p.refuse(ctx, check, current, "_payment_unknown", payment.Truncate(err.Error(), maxReasonBytes), log)
		case err != nil:
			reason := fmt.Sprintf("could not read the amount from %s: %v", current.Provider, err)
			return p.fail(ctx, check, current, payment.Truncate(reason, maxReasonBytes), log)
		}
		if err := completed.Validate(); err != nil {
			return p.fail(ctx, check, current, payment.Truncate(err.Error(), maxReasonBytes), log)
		}
		event = completed
	}
	for range maxConflicts {
		verdict, err := p.apply(ctx, check, current, event)
		switch {
		case errors.Is(err, store.ErrPaymentChanged):
			// Another webhook of the payment committed in between; or this
			// one did, and the record is a redelivery whose event would
			// apply again: then it ends here.
			if pending, err := check.pending(ctx); err != nil || !pending {
				return err
			}
			continue
		case errors.Is(err, store.ErrWebhookNotPending):
			return nil // another delivery of this record got there first
		case err != nil:
			return err
		}
		log.Info().Str("type", string(event.Type)).Str("payment_id", event.PaymentID).Str("outcome", string(verdict.Outcome)).
			Str("reason", verdict.Reason).Msg("processed")
		metrics.Or(p.Metrics).Processed(current.Provider, string(verdict.Outcome))
		return nil
	}
	return fmt.Errorf("payment %s %s kept changing", event.Provider, event.PaymentID)
}

// normalize is w's canonical event, occurring when w says or else when
// it was received.
func (p *Processor) normalize(w store.Webhook) (payment.Event, error) {
	occurred := w.OccurredAt
	if occurred.IsZero() {
		occurred = w.ReceivedAt
	}
	return p.Normalize(payment.Delivery{Provider: w.Provider, EventID: w.EventID, EventType: w.EventType, Body: w.Body, OccurredAt: occurred})
}

// pendingCheck reads a record's webhook, at most once, for what leaves the
// table (a provider's confirmation, a publication, an alert, a dead
// letter): a redelivered record of a webhook processed since must not
// send any of it again. A payment's history, which ends a redelivery's
// processing as already applied, holds only its last event ids, and an
// event once out of order may apply to a later state.
type pendingCheck struct {
	store             store.Processing
	provider, eventID string
	// image is the status of the record's image; inImage, once read,
	// whether the webhook is still in it.
	image         store.Status
	done, inImage bool
}

// pending reads the webhook, once, and says whether it is still in the
// status of the record's image: the one status its commit is conditioned
// on. A RECEIVED record of a webhook a redrive has since set to RETRY is
// not pending: the RETRY record will act, and only it may commit.
func (c *pendingCheck) pending(ctx context.Context) (bool, error) {
	if !c.done {
		w, err := c.store.GetWebhook(ctx, c.provider, c.eventID)
		if err != nil {
			return false, err
		}
		c.done, c.inImage = true, w.Status == c.image
	}
	return c.inImage, nil
}

// apply decides what the event does to its payment, tells the outside
// world when (and only when) it changed the payment, and commits the new
// state with the webhook's PROCESSED status and verdict.
func (p *Processor) apply(ctx context.Context, check *pendingCheck, w store.Webhook, event payment.Event) (payment.Verdict, error) {
	var state payment.State
	if event.Type != payment.Other && event.PaymentID != "" {
		stored, err := p.Store.GetPayment(ctx, event.Provider, event.PaymentID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return payment.Verdict{}, err
		}
		state = stored
	}
	next, verdict := state.Apply(event)
	commit := store.Commit{Webhook: w, Verdict: verdict, At: p.now()}
	if event.Type != payment.Other && event.PaymentID != "" {
		commit.PaymentKey = store.PaymentKey(event.Provider, event.PaymentID)
	}
	if verdict.Outcome == payment.Applied {
		change := payment.Diff(state, next)
		commit.Payment, commit.PreviousVersion, commit.Change = &next, state.Version, &change
		if p.Publisher != nil || event.Critical(p.Critical) {
			if pending, err := check.pending(ctx); err != nil || !pending {
				return verdict, cmp.Or(err, store.ErrWebhookNotPending)
			}
		}
		announced := payment.Announcement{Event: event, PaymentStatus: next.Status, PaymentVersion: next.Version}
		if err := p.announce(ctx, announced); err != nil {
			return payment.Verdict{}, err
		}
		if p.Forwards != nil {
			forwards, err := p.Forwards(announced, commit.At)
			if err != nil {
				return payment.Verdict{}, err
			}
			commit.Forwards = forwards
		}
	}
	return verdict, p.Store.CommitProcessed(ctx, commit)
}

// announce publishes an applied event and alerts on a critical one, before
// the commit: a crash in between announces twice, never zero times, and
// consumers deduplicate on provider and event id. An event that changed
// nothing (stale, or already applied) is never announced.
func (p *Processor) announce(ctx context.Context, announced payment.Announcement) error {
	event := announced.Event
	if p.Publisher != nil {
		if err := p.Publisher.Publish(ctx, announced); err != nil {
			return err
		}
	}
	if !event.Critical(p.Critical) {
		return nil
	}
	return p.Alerter.Alert(ctx, notify.Alert{
		Kind: "critical_event", Provider: event.Provider, EventID: event.EventID, EventType: string(event.Type), PaymentID: event.PaymentID, At: p.now(),
	})
}

// refuse fails a webhook its provider does not confirm, with a critical
// alert first: it may be a forgery, and someone must look.
func (p *Processor) refuse(ctx context.Context, check *pendingCheck, w store.Webhook, kind, reason string, log zerolog.Logger) error {
	if pending, err := check.pending(ctx); err != nil || !pending {
		return err
	}
	if err := p.alert(ctx, w, kind, reason); err != nil {
		return err
	}
	return p.fail(ctx, check, w, reason, log)
}

// alert raises <provider><suffix> about w.
func (p *Processor) alert(ctx context.Context, w store.Webhook, suffix, reason string) error {
	return p.Alerter.Alert(ctx, notify.Alert{
		Kind: w.Provider + suffix, Provider: w.Provider, EventID: w.EventID, EventType: w.EventType, Reason: reason, At: p.now(),
	})
}

// fail names the webhook on the dead-letter queue, then marks it FAILED.
// In that order: if marking fails, the retry sends the message again (a
// duplicate an operator can ignore) rather than never.
func (p *Processor) fail(ctx context.Context, check *pendingCheck, w store.Webhook, reason string, log zerolog.Logger) error {
	if pending, err := check.pending(ctx); err != nil || !pending {
		return err
	}
	body, err := json.Marshal(deadletter.Failure{Provider: w.Provider, EventID: w.EventID, Reason: reason})
	if err != nil {
		return err
	}
	if err := p.DLQ.Send(ctx, body); err != nil {
		return err
	}
	err = store.MarkFailed(ctx, p.Store, w.Provider, w.EventID, w.Status, reason)
	if err != nil && !errors.Is(err, store.ErrWebhookNotPending) {
		return err
	}
	if err == nil {
		metrics.Or(p.Metrics).Failed(w.Provider)
	}
	log.Error().Str("reason", reason).Msg("webhook failed permanently; sent to the dead-letter queue")
	return nil
}

func (p *Processor) now() time.Time {
	if p.Clock != nil {
		return p.Clock().UTC()
	}
	return time.Now().UTC()
}
