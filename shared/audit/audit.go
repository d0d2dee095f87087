// Package audit is the auditor use case: every change to the table becomes
// one structured audit record: who changed what, when, from which status and
// version to which. Records are built from an allow-list of attributes, so
// a payload, a card number or an email can never reach the audit trail.
//
// The records of one item form a chain: each carries SHA-256 digests of the
// item's old and new images, and a record's old digest is the previous
// record's new digest. Each record also carries the digest of its own
// fields. Verify walks a trail and says where a record is missing, out of
// order or edited.
package audit

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"

	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/itemjson"
	"github.com/payhook/payhook/shared/stream"
)

// Record is one audit record.
type Record struct {
	Time       time.Time `json:"time"`
	EventName  string    `json:"event_name"` // INSERT, MODIFY, REMOVE
	PK         string    `json:"pk"`
	SK         string    `json:"sk"`
	Kind       string    `json:"kind"` // webhook, payment, transmission
	Provider   string    `json:"provider,omitempty"`
	EventID    string    `json:"event_id,omitempty"`
	EventType  string    `json:"event_type,omitempty"`
	PaymentKey string    `json:"payment_key,omitempty"`
	OldStatus  string    `json:"old_status,omitempty"`
	NewStatus  string    `json:"new_status,omitempty"`
	OldVersion string    `json:"old_version,omitempty"`
	NewVersion string    `json:"new_version,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	Outcome    string    `json:"outcome,omitempty"`
	Actor      string    `json:"actor"`
	// ClaimedBy is what the item's writer stamped (updated_by) when it is
	// not the actor the change itself shows: worth a look.
	ClaimedBy      string `json:"claimed_by,omitempty"`
	SequenceNumber string `json:"sequence_number"`
	OldImageSHA256 string `json:"old_image_sha256,omitempty"`
	NewImageSHA256 string `json:"new_image_sha256,omitempty"`
	// RecordSHA256 is the digest of every other field of the record.
	RecordSHA256 string `json:"record_sha256"`
}

// The actors the auditor can establish.
const (
	// ActorTTL is the actor of a deletion by DynamoDB's time to live.
	ActorTTL = "dynamodb-ttl"
	// ActorUnknown is a change no payhook component makes: a deletion or
	// edit by hand, which is exactly what an audit must show.
	ActorUnknown = "unknown"
)

// Sink keeps audit records.
type Sink interface {
	Write(ctx context.Context, r Record) error
}

// LogSink writes each record as one JSON line: CloudWatch Logs on Lambda
// (a KMS-encrypted log group), a file locally.
type LogSink struct{ Log zerolog.Logger }

func (s LogSink) Write(_ context.Context, r Record) error {
	line, err := r.AppendJSON(nil)
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
	record := build(r, stream.StoredImagesFrom(ctx)[r.Change.SequenceNumber])
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
func Build(r events.DynamoDBEventRecord) Record { return build(r, stream.Images{}) }

// build is Build, with the images' bytes as stored where the feeder has
// them: digested as they are, rather than encoded again.
func build(r events.DynamoDBEventRecord, stored stream.Images) Record {
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
		Reason:         cmp.Or(attr(newImage, store.AttrLastError), attr(newImage, store.AttrOutcomeReason)),
		Outcome:        attr(newImage, store.AttrOutcome),
		SequenceNumber: r.Change.SequenceNumber,
		OldImageSHA256: digest(oldImage, stored.Old),
		NewImageSHA256: digest(newImage, stored.New),
	}
	record.Kind = string(store.KindOf(image))
	if record.Kind == string(store.KindPayment) {
		record.PaymentKey = record.PK
	}
	record.Actor = actor(r, store.Kind(record.Kind), store.Status(record.OldStatus), store.Status(record.NewStatus), attr(newImage, store.AttrSource))
	if claimed := attr(newImage, store.AttrUpdatedBy); claimed != "" && claimed != record.Actor {
		record.ClaimedBy = claimed
	}
	record.RecordSHA256 = record.digest()
	return record
}

// actor is who made the change, as the change itself shows it, never as
// the item's writer claims it (updated_by can be anything): the stream's
// identity for TTL deletions, and otherwise the one component that makes
// each kind of change. Two components insert webhooks; the one that
// fetched it from the provider's API records so in the item's source,
// which IAM lets only those two write. Anything else is unknown.
func actor(r events.DynamoDBEventRecord, kind store.Kind, from, to store.Status, source string) string {
	switch events.DynamoDBOperationType(r.EventName) {
	case events.DynamoDBOperationTypeRemove:
		if store.IsTTLDeletion(r) {
			return ActorTTL
		}
	case events.DynamoDBOperationTypeInsert:
		switch {
		case kind == store.KindWebhook && source == store.SourceReconcile, kind == store.KindCheckpoint:
			return store.ByReconcile
		case kind == store.KindWebhook, kind == store.KindTransmission:
			return store.ByReceiver
		case kind == store.KindPayment:
			return store.ByProcessor
		}
	case events.DynamoDBOperationTypeModify:
		switch {
		case kind == store.KindPayment:
			return store.ByProcessor
		case kind == store.KindCheckpoint:
			return store.ByReconcile
		case kind == store.KindTransmission:
			return store.ByReceiver // a redelivery of the same body
		case kind == store.KindWebhook && (to == store.StatusProcessed || to == store.StatusFailed) && (from == store.StatusReceived || from == store.StatusRetry):
			return store.ByProcessor
		case kind == store.KindWebhook && to == store.StatusRetry && (from == store.StatusFailed || from == store.StatusReceived):
			return store.ByRedrive
		}
	}
	return ActorUnknown
}

// digest is the SHA-256 of the record's fields but itself.
func (r Record) digest() string {
	r.RecordSHA256 = ""
	b, err := r.AppendJSON(nil)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
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

// digest is the SHA-256 of the image's JSON, attributes in name order, so
// equal images give equal digests whichever adapter wrote them.
// itemjson.Marshal writes encoding/json's bytes, which digested the
// records before it: chains run across the change. stored, when the
// feeder has it, is those bytes already (the embedded store keeps them).
func digest(image store.Item, stored []byte) string {
	if len(image) == 0 {
		return ""
	}
	if stored == nil {
		stored = itemjson.Marshal(image)
	}
	sum := sha256.Sum256(stored)
	return hex.EncodeToString(sum[:])
}
