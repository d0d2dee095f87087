// Package notify tells the outside world: alerts for people (SNS) and
// normalized payment events for systems (EventBridge), with log sinks that
// stand in for both on one machine.
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/rs/zerolog"

	"github.com/payhook/payhook/shared/payment"
)

// Alert is something an operator should look at. It carries ids and
// reasons, never payload data.
type Alert struct {
	Kind      string    `json:"kind"` // critical_event, webhook_failed
	Provider  string    `json:"provider"`
	EventID   string    `json:"event_id"`
	EventType string    `json:"event_type,omitempty"`
	PaymentID string    `json:"payment_id,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	At        time.Time `json:"at"`
}

// maxAlertField bounds each field of an alert: they come from payloads
// (ids, types) or errors, and end up in mail, pagers and logs.
const maxAlertField = 256

// bounded is the alert with every field held to maxAlertField.
func (a Alert) bounded() Alert {
	for _, f := range []*string{&a.Kind, &a.Provider, &a.EventID, &a.EventType, &a.PaymentID, &a.Reason} {
		*f = payment.Truncate(*f, maxAlertField)
	}
	return a
}

// subject is at most 99 printable ASCII characters: SNS refuses a subject
// of 100 or more, or with control characters, and an email subject should
// not carry a sender's Unicode tricks. Anything else becomes '?'.
func (a Alert) subject() string {
	s := []rune(fmt.Sprintf("payhook %s: %s %s", a.Kind, a.Provider, a.EventType))
	if len(s) > maxSubject {
		s = s[:maxSubject]
	}
	for i, r := range s {
		if r < ' ' || r > '~' {
			s[i] = '?'
		}
	}
	return string(s)
}

const maxSubject = 99

// Alerter raises alerts.
type Alerter interface {
	Alert(ctx context.Context, a Alert) error
}

// Publisher publishes normalized payment events, each with where it left
// its payment.
type Publisher interface {
	Publish(ctx context.Context, a payment.Announcement) error
}

// SNSAlerter publishes alerts to a topic.
type SNSAlerter struct {
	Client   *sns.Client
	TopicARN string
}

func (s SNSAlerter) Alert(ctx context.Context, a Alert) error {
	a = a.bounded()
	body, err := json.Marshal(a)
	if err != nil {
		return err
	}
	_, err = s.Client.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(s.TopicARN), Subject: aws.String(a.subject()), Message: aws.String(string(body))})
	if err != nil {
		return fmt.Errorf("alert to SNS: %w", err)
	}
	return nil
}

// EventSource is the EventBridge source of payhook's events.
const EventSource = "payhook"

// EventBridgePublisher puts each event on a bus, with the canonical type as
// detail-type so rules can match on it.
type EventBridgePublisher struct {
	Client  *eventbridge.Client
	BusName string
}

func (p EventBridgePublisher) Publish(ctx context.Context, a payment.Announcement) error {
	e := a.Event
	detail, err := json.Marshal(a)
	if err != nil {
		return err
	}
	out, err := p.Client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		EventBusName: aws.String(p.BusName),
		Source:       aws.String(EventSource),
		DetailType:   aws.String(string(e.Type)),
		Detail:       aws.String(string(detail)),
		Time:         aws.Time(e.OccurredAt),
		Resources:    []string{},
	}}})
	if err != nil {
		return fmt.Errorf("publish to EventBridge: %w", err)
	}
	if out.FailedEntryCount > 0 {
		return fmt.Errorf("publish to EventBridge: entry refused: %s", aws.ToString(out.Entries[0].ErrorCode))
	}
	return nil
}

// LogAlerter writes alerts to a log: local runs.
type LogAlerter struct{ Log zerolog.Logger }

func (l LogAlerter) Alert(_ context.Context, a Alert) error {
	a = a.bounded()
	l.Log.Warn().Str("kind", a.Kind).Str("provider", a.Provider).Str("event_id", a.EventID).
		Str("event_type", a.EventType).Str("payment_id", a.PaymentID).Str("reason", a.Reason).Msg("alert")
	return nil
}

// LogPublisher writes normalized events to a log: local runs.
type LogPublisher struct{ Log zerolog.Logger }

func (l LogPublisher) Publish(_ context.Context, a payment.Announcement) error {
	e := a.Event
	log := l.Log.Info().Str("provider", e.Provider).Str("event_id", e.EventID).Str("type", string(e.Type)).Str("payment_id", e.PaymentID)
	if e.AmountUnknown {
		log = log.Str("amount", "unknown")
	} else {
		log = log.Int64("amount_minor", e.AmountMinor)
	}
	log.Str("currency", e.Currency).Msg("payment event")
	return nil
}
