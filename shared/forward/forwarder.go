package forward

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"

	"github.com/payhook/payhook/shared/metrics"
	"github.com/payhook/payhook/shared/payment"
)

// Unreadable: a queued message that holds no canonical event. Nothing can
// be delivered, so it goes to the dead-letter queue for someone to read.
const Unreadable Outcome = "unreadable"

// MaxDelay is the longest wait asked of SQS at once: SQS hides a received
// message for at most 12 hours counted from the receive, part of which
// the attempt (at most the function's 15 minutes) has used. A longer
// Retry-After is honoured in several waits.
const MaxDelay = 12*time.Hour - 30*time.Minute

// Queue is one destination's SQS queue, as the forwarder acts on a message
// it received from it.
type Queue interface {
	// Delay hides the received message (by its receipt handle) for wait:
	// Lambda's event source mapping hands it over again after that.
	Delay(ctx context.Context, receipt string, wait time.Duration) error
	// DeadLetter puts the message's body, unchanged, on the destination's
	// dead-letter queue with why: a redrive there puts it back as it was.
	DeadLetter(ctx context.Context, body string, why DeadLetter) error
}

// DeadLetter is why a message was given up: ids, the consumer's status
// and the attempt's reason, never the consumer's answer.
type DeadLetter struct {
	Destination string
	// WebhookID is the message's webhook-id; empty when it is Unreadable.
	WebhookID string
	Outcome   Outcome
	Status    int
	Reason    string
}

// QueuedDestination is a destination on AWS: its own queue, which an
// EventBridge rule fills with the events it wants, and its own secret.
type QueuedDestination struct {
	Destination
	Queue Queue
	// Signer returns the destination's signer, as its secret holds it now.
	Signer func(context.Context) (Signer, error)
}

// Forwarder is the forwarder Lambda's handler: it delivers the messages of
// a batch from the destinations' queues (an SQS event source mapping with
// ReportBatchItemFailures), each independently of the others. Standard
// queues keep no order, so messages of one payment may arrive out of
// order: consumers deduplicate by webhook-id and order by the body's
// timestamp (locally, a payment's messages go out in order).
type Forwarder struct {
	// Destinations by their queue's ARN, which each record names.
	Destinations map[string]QueuedDestination
	HTTP         *http.Client
	// RetryWindow is how long after it was queued a message is retried.
	RetryWindow time.Duration
	Now         func() time.Time
	Log         zerolog.Logger
	// Metrics, when set, counts each attempt by destination and outcome.
	Metrics metrics.Recorder
}

// Handle delivers every record of the batch at once, and reports those to
// be tried again: each such record was hidden for its backoff first.
func (f *Forwarder) Handle(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
	done := make([]bool, len(batch.Records))
	var wg sync.WaitGroup
	for i, record := range batch.Records {
		wg.Go(func() { done[i] = f.forward(ctx, record) })
	}
	wg.Wait()
	var resp events.SQSEventResponse
	for i, record := range batch.Records {
		if !done[i] {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: record.MessageId})
		}
	}
	return resp, nil
}

// forward makes one attempt at the record's message and reports whether
// the record is finished with: delivered, not wanted, or dead-lettered.
func (f *Forwarder) forward(ctx context.Context, record events.SQSMessage) bool {
	d, ok := f.Destinations[record.EventSourceARN]
	if !ok {
		// Left on its queue: the redrive policy takes it to the queue's
		// dead-letter queue after its receives.
		f.Log.Error().Str("queue", record.EventSourceARN).Msg("a message from a queue of no destination")
		return false
	}
	log := f.Log.With().Str("destination", d.Name).Str("sqs_message_id", record.MessageId).Logger()
	m, err := messageOf(record.Body, accountOf(record.EventSourceARN))
	if err != nil {
		return f.deadLetter(ctx, log, d, record, DeadLetter{Outcome: Unreadable, Reason: err.Error()})
	}
	log = log.With().Str("webhook_id", m.ID).Str("type", string(m.Type)).Logger()
	if !d.Wants(m.Type) {
		// Queued before the destination's types were narrowed.
		log.Info().Msg("not wanted: dropped")
		return true
	}

	now := f.now()
	var r Result
	if signer, err := d.Signer(ctx); err != nil {
		log.Error().Err(err).Msg("signing secret")
		r = Result{Outcome: Retry, Reason: "no signing secret"}
	} else {
		r = Attempt(ctx, f.HTTP, d.URL, signer, m, now)
	}
	metrics.Or(f.Metrics).Forwarded(d.Name, string(r.Outcome))
	switch r.Outcome {
	case Delivered:
		log.Info().Str("outcome", string(Delivered)).Int("status", r.Status).Msg("delivered")
		return true
	case Retry:
		n, first := attempts(record, now)
		next, ok := NextAttempt(r, n, first, now, f.RetryWindow)
		if !ok {
			return f.deadLetter(ctx, log, d, record, DeadLetter{WebhookID: m.ID, Outcome: DeadLettered, Status: r.Status, Reason: r.Reason})
		}
		wait := min(next.Sub(now), MaxDelay)
		if err := d.Queue.Delay(ctx, record.ReceiptHandle, wait); err != nil {
			// It comes back after the queue's visibility timeout instead.
			log.Warn().Err(err).Msg("could not delay the next attempt")
		}
		log.Warn().Str("outcome", string(Retry)).Int("status", r.Status).Str("reason", r.Reason).Int("attempt", n).Str("retry_in", wait.Round(time.Second).String()).Msg("not delivered")
		return false
	}
	return f.deadLetter(ctx, log, d, record, DeadLetter{WebhookID: m.ID, Outcome: r.Outcome, Status: r.Status, Reason: r.Reason})
}

func (f *Forwarder) deadLetter(ctx context.Context, log zerolog.Logger, d QueuedDestination, record events.SQSMessage, why DeadLetter) bool {
	why.Destination = d.Name
	if err := d.Queue.DeadLetter(ctx, record.Body, why); err != nil {
		// Left on the queue: tried again, and dead-lettered again.
		log.Error().Err(err).Str("outcome", string(why.Outcome)).Msg("could not dead-letter the message")
		return false
	}
	log.Warn().Str("outcome", string(why.Outcome)).Int("status", why.Status).Str("reason", why.Reason).Msg("dead-lettered")
	return true
}

func (f *Forwarder) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// messageOf reads the EventBridge event an SQS target queued, whose detail
// is the canonical event the processor published: payhook's source, in the
// queue's own account, its detail-type the event's type. Anything else
// reached the queue another way, and is never signed.
func messageOf(body, account string) (Message, error) {
	var envelope events.EventBridgeEvent
	if err := json.Unmarshal([]byte(body), &envelope); err != nil || len(envelope.Detail) == 0 {
		return Message{}, errors.New("not an EventBridge event")
	}
	if envelope.Source != EventSource || envelope.AccountID != account {
		return Message{}, errors.New("not an event payhook published in this account")
	}
	var a payment.Announcement
	if err := json.Unmarshal(envelope.Detail, &a); err != nil {
		return Message{}, errors.New("its detail is not a canonical event")
	}
	if string(a.Type) != envelope.DetailType {
		return Message{}, errors.New("its detail-type is not its event's type")
	}
	return NewMessage(a)
}

// EventSource is the source of the processor's events on the bus
// (notify.EventSource, held equal by a test; not imported, so that the
// forwarder carries no SNS or EventBridge client).
const EventSource = "payhook"

// accountOf is the account of an ARN (arn:partition:service:region:account:...).
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

// attempts reads, from the attributes Lambda passes with each record, how
// many times the message was received (this attempt's number) and when it
// was first attempted. Without them it is a first attempt now: the window
// then never closes, and the queue's redrive policy ends the retries.
func attempts(record events.SQSMessage, now time.Time) (int, time.Time) {
	n, err := strconv.Atoi(record.Attributes["ApproximateReceiveCount"])
	if err != nil || n < 1 {
		n = 1
	}
	// The retry window runs from the first attempt: the first receive,
	// or failing that, when the message was queued.
	first := now
	for _, attribute := range []string{"SentTimestamp", "ApproximateFirstReceiveTimestamp"} {
		if ms, err := strconv.ParseInt(record.Attributes[attribute], 10, 64); err == nil {
			first = time.UnixMilli(ms)
		}
	}
	return n, first
}

// DestinationsSetting names the forwarder Lambda's destinations: the JSON
// list of AWSDestination the pipeline module writes from its
// event_destinations.
const DestinationsSetting = "PAYHOOK_FORWARD_DESTINATIONS"

// AWSDestination is one destination as the forwarder Lambda is told about
// it: where to post, the queue its messages come from, where they go when
// given up, and the Secrets Manager secret that signs them.
type AWSDestination struct {
	Destination
	QueueARN           string
	QueueURL           string
	DeadLetterQueueURL string
	SecretARN          string
}

// ParseAWSDestinations reads PAYHOOK_FORWARD_DESTINATIONS. Errors name the
// setting and the destination, never a value: a URL may carry a token.
func ParseAWSDestinations(raw string) ([]AWSDestination, error) {
	var listed []struct {
		Name               string   `json:"name"`
		URL                string   `json:"url"`
		EventTypes         []string `json:"event_types"`
		QueueARN           string   `json:"queue_arn"`
		QueueURL           string   `json:"queue_url"`
		DeadLetterQueueURL string   `json:"dead_letter_queue_url"`
		SecretARN          string   `json:"secret_arn"`
	}
	if err := json.Unmarshal([]byte(raw), &listed); err != nil {
		return nil, fmt.Errorf("%s: not a JSON list of destinations", DestinationsSetting)
	}
	if len(listed) == 0 {
		return nil, fmt.Errorf("%s: no destination", DestinationsSetting)
	}
	destinations := make([]AWSDestination, 0, len(listed))
	names, queues := map[string]bool{}, map[string]bool{}
	for i, l := range listed {
		where := fmt.Sprintf("%s: destination %d %q", DestinationsSetting, i+1, payment.Truncate(l.Name, 64))
		types, err := payment.ParseTypes(strings.Join(l.EventTypes, ","))
		switch {
		case l.Name == "" || names[l.Name]:
			return nil, fmt.Errorf("%s: every destination needs a name of its own", where)
		case CheckURL(l.URL) != nil:
			return nil, fmt.Errorf("%s: url is not an http or https URL without credentials", where)
		case err != nil:
			return nil, fmt.Errorf("%s: event_types: %w", where, err)
		case !strings.HasPrefix(l.QueueARN, "arn:") || queues[l.QueueARN]:
			return nil, fmt.Errorf("%s: queue_arn must be an ARN of its own", where)
		case !isURL(l.QueueURL) || !isURL(l.DeadLetterQueueURL):
			return nil, fmt.Errorf("%s: queue_url and dead_letter_queue_url must be URLs", where)
		case !strings.HasPrefix(l.SecretARN, "arn:"):
			return nil, fmt.Errorf("%s: secret_arn must be an ARN", where)
		}
		names[l.Name], queues[l.QueueARN] = true, true
		destinations = append(destinations, AWSDestination{
			Destination: Destination{Name: l.Name, URL: l.URL, Types: types},
			QueueARN:    l.QueueARN, QueueURL: l.QueueURL, DeadLetterQueueURL: l.DeadLetterQueueURL, SecretARN: l.SecretARN,
		})
	}
	return destinations, nil
}

func isURL(raw string) bool {
	_, ok := httpURL(raw)
	return ok
}
