// Package audit is the auditor use case: every change to the table becomes
// one structured audit record: who changed what, when, from which status and
// version to which. Records are built from an allow-list of attributes, so
// a payload, a card number or an email can never reach the audit trail.
// Each record carries SHA-256 digests of the old and new images: a record's
// old digest equals the previous record's new digest for the same item, so
// the records of one item form a hash chain that shows any gap or edit.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"

	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/stream"
)

// Record is one audit record.
type Record struct {
	Time           time.Time `json:"time"`
	EventName      string    `json:"event_name"` // INSERT, MODIFY, REMOVE
	PK             string    `json:"pk"`
	SK             string    `json:"sk"`
	Kind           string    `json:"kind"` // webhook, payment, transmission
	Provider       string    `json:"provider,omitempty"`
	EventID        string    `json:"event_id,omitempty"`
	EventType      string    `json:"event_type,omitempty"`
	PaymentKey     string    `json:"payment_key,omitempty"`
	OldStatus      string    `json:"old_status,omitempty"`
	NewStatus      string    `json:"new_status,omitempty"`
	OldVersion     string    `json:"old_version,omitempty"`
	NewVersion     string    `json:"new_version,omitempty"`
	Reason         string    `json:"reason,omitempty"`
	Actor          string    `json:"actor"`
	SequenceNumber string    `json:"sequence_number"`
	OldImageSHA256 string    `json:"old_image_sha256,omitempty"`
	NewImageSHA256 string    `json:"new_image_sha256,omitempty"`
}

// ActorTTL is the actor of a deletion by DynamoDB's time to live.
const ActorTTL = "dynamodb-ttl"

// Sink keeps audit records.
type Sink interface {
	Write(ctx context.Context, r Record) error
}

// LogSink writes each record as one JSON line: CloudWatch Logs on Lambda
// (a KMS-encrypted log group), a file locally.
type LogSink struct{ Log zerolog.Logger }

func (s LogSink) Write(_ context.Context, r Record) error {
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	s.Log.Log().RawJSON("audit", line).Send()
	return nil
}

// Auditor records every stream record and alerts on webhooks that fail.
type Auditor struct {
	Sink    Sink
	Alerter notify.Alerter
	Log     zerolog.Logger
}

// Handle audits records in order, stopping at the first that cannot be
// written, so that none is skipped.
func (a *Auditor) Handle(ctx context.Context, event events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	for i, r := range event.Records {
		if err := a.audit(ctx, r); err != nil {
			a.Log.Warn().Err(err).Str("sequence", r.Change.SequenceNumber).Msg("audit failed; will retry")
			return stream.FailFrom(event.Records, i), nil
		}
	}
	return events.DynamoDBEventResponse{}, nil
}

func (a *Auditor) audit(ctx context.Context, r events.DynamoDBEventRecord) error {
	record := Build(r)
	if err := a.Sink.Write(ctx, record); err != nil {
		return err
	}
	if record.Kind == string(store.KindWebhook) && record.NewStatus == string(store.StatusFailed) && record.OldStatus != record.NewStatus {
		return a.Alerter.Alert(ctx, notify.Alert{
			Kind: "webhook_failed", Provider: record.Provider, EventID: record.EventID,
			EventType: record.EventType, Reason: record.Reason, At: record.Time,
		})
	}
	return nil
}

// Build turns a stream record into an audit record.
func Build(r events.DynamoDBEventRecord) Record {
	oldImage, newImage := r.Change.OldImage, r.Change.NewImage
	// Identity attributes come from whichever image exists (REMOVE has only
	// the old one).
	image := newImage
	if len(image) == 0 {
		image = oldImage
	}
	record := Record{
		Time:           r.Change.ApproximateCreationDateTime.UTC(),
		EventName:      r.EventName,
		PK:             attr(r.Change.Keys, store.AttrPK),
		SK:             attr(r.Change.Keys, store.AttrSK),
		Provider:       attr(image, store.AttrProvider),
		EventID:        attr(image, store.AttrEventID),
		EventType:      attr(image, store.AttrEventType),
		PaymentKey:     attr(image, store.AttrPaymentKey),
		OldStatus:      attr(oldImage, store.AttrStatus),
		NewStatus:      attr(newImage, store.AttrStatus),
		OldVersion:     attr(oldImage, store.AttrVersion),
		NewVersion:     attr(newImage, store.AttrVersion),
		Reason:         attr(newImage, store.AttrLastError),
		Actor:          actor(r, image),
		SequenceNumber: r.Change.SequenceNumber,
		OldImageSHA256: digest(oldImage),
		NewImageSHA256: digest(newImage),
	}
	record.Kind = string(store.KindOf(image))
	if record.Kind == string(store.KindPayment) {
		record.PaymentKey = record.PK
	}
	return record
}

func actor(r events.DynamoDBEventRecord, image store.Item) string {
	if store.IsTTLDeletion(r) {
		return ActorTTL
	}
	if r.EventName == string(events.DynamoDBOperationTypeRemove) {
		return "unknown" // deleted by hand: exactly what an audit must show
	}
	if by := attr(image, store.AttrUpdatedBy); by != "" {
		return by
	}
	return "unknown"
}

// attr reads a string or number attribute.
func attr(image store.Item, name string) string {
	v, ok := image[name]
	if !ok {
		return ""
	}
	switch v.DataType() {
	case events.DataTypeString:
		return v.String()
	case events.DataTypeNumber:
		return v.Number()
	}
	return ""
}

// digest is the SHA-256 of the image's JSON; encoding/json orders map keys,
// so equal images give equal digests whichever adapter wrote them.
func digest(image store.Item) string {
	if len(image) == 0 {
		return ""
	}
	b, err := json.Marshal(image)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
