package store

import (
	"github.com/aws/aws-lambda-go/events"
)

// Item is a stored item in the shape DynamoDB Streams delivers it to Lambda.
// Both adapters hold items in this shape, so the embedded change feed and the
// real stream hand the processor identical records.
type Item = map[string]events.DynamoDBAttributeValue

// The table's attributes (docs/design.md, data model). Every package that
// reads an item by attribute names it through these, so a rename is a
// compile error wherever it matters.
const (
	AttrPK               = "pk"
	AttrSK               = "sk"
	AttrProvider         = "provider"
	AttrEventID          = "event_id"
	AttrEventType        = "event_type"
	AttrReceivedAt       = "received_at"
	AttrOccurredAt       = "occurred_at"
	AttrBody             = "body"
	AttrBodyEncoding     = "body_encoding"
	AttrSignatureHeaders = "signature_headers"
	AttrSourceIP         = "source_ip"
	AttrRequestID        = "request_id"
	AttrStatus           = "status"
	AttrAttempts         = "attempts"
	AttrLastError        = "last_error"
	AttrPaymentKey       = "payment_key"
	AttrExpiresAt        = "expires_at"
	AttrUpdatedBy        = "updated_by"
	AttrUpdatedAt        = "updated_at"
	AttrSource           = "source"
	// AttrChange is what an applied event did to its payment (change.go).
	AttrChange = "change"

	AttrPaymentID      = "payment_id"
	AttrAmountMinor    = "amount_minor"
	AttrRefundedMinor  = "refunded_minor"
	AttrCurrency       = "currency"
	AttrDispute        = "dispute"
	AttrLastEventID    = "last_event_id"
	AttrLastOccurredAt = "last_occurred_at"
	AttrVersion        = "version"
	AttrHistory        = "history"

	AttrLifecycle             = "lifecycle"
	AttrRefunds               = "refunds"
	AttrCaptures              = "captures"
	AttrReportedRefundedMinor = "reported_refunded_minor"
	AttrRefundedInFull        = "refunded_in_full"
	AttrDisputeStatus         = "dispute_status"
	AttrDisputeAmountMinor    = "dispute_amount_minor"
	AttrDisputeAt             = "dispute_at"
	AttrAt                    = "at"
	// An amount the provider did not state (issue 26): set only when true.
	AttrAmountUnknown         = "amount_unknown"
	AttrRefundedAmountUnknown = "refunded_amount_unknown"

	AttrOutcome       = "outcome"
	AttrOutcomeReason = "outcome_reason"

	AttrTransmissionID = "transmission_id"
	AttrBodySHA256     = "body_sha256"
)

// Kind is what an item is, told by its sort key.
type Kind string

const (
	KindWebhook      Kind = "webhook"
	KindPayment      Kind = "payment"
	KindTransmission Kind = "transmission"
	KindCheckpoint   Kind = "checkpoint"
)

// sortKeys are the sort key of each kind of item.
var sortKeys = map[Kind]string{KindWebhook: "WEBHOOK", KindPayment: "STATE", KindTransmission: "TRANSMISSION", KindCheckpoint: "CHECKPOINT"}

// SortKey is the sort key every item of kind k has.
func SortKey(k Kind) string { return sortKeys[k] }

// KindOf tells what an item is; "" for none payhook writes.
func KindOf(item Item) Kind {
	sk := str(item, AttrSK)
	for kind, key := range sortKeys {
		if key == sk {
			return kind
		}
	}
	return ""
}

// WebhookKey returns the partition and sort key of a webhook item.
func WebhookKey(provider, eventID string) (pk, sk string) {
	return "WEBHOOK#" + provider + "#" + eventID, SortKey(KindWebhook)
}

// PaymentKey is the partition key of a payment's state, which a processed
// webhook also records (payment_key) and operators see.
func PaymentKey(provider, paymentID string) string {
	return "PAYMENT#" + provider + "#" + paymentID
}

// TransmissionKey returns the partition and sort key of a binding.
func TransmissionKey(provider, transmission string) (pk, sk string) {
	return "TRANSMISSION#" + provider + "#" + transmission, SortKey(KindTransmission)
}

// CheckpointKey returns the partition and sort key of a reconcile
// checkpoint: one per provider (and per stored name, for senders).
func CheckpointKey(provider string) (pk, sk string) {
	return "RECONCILE#" + provider, SortKey(KindCheckpoint)
}

// TTLIdentity is how DynamoDB Streams marks a deletion by time to live; the
// embedded store marks its own expiries the same way.
var TTLIdentity = events.DynamoDBUserIdentity{Type: "Service", PrincipalID: "dynamodb.amazonaws.com"}

// IsTTLDeletion tells a stream record of an expiry from any other removal.
func IsTTLDeletion(r events.DynamoDBEventRecord) bool {
	return r.EventName == string(events.DynamoDBOperationTypeRemove) && r.UserIdentity != nil && *r.UserIdentity == TTLIdentity
}
