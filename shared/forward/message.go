// Package forward delivers payhook's canonical payment events to the
// user's own endpoints as Standard Webhooks messages: one signed,
// deduplicable message per applied event, whatever the provider. The
// message, its signature and one delivery attempt are shared by both
// deliverers: the local Dispatcher over the embedded store's outbox, and
// the forwarder Lambda fed by EventBridge rules and SQS on AWS.
package forward

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/payment"
)

// Message is one canonical event as a Standard Webhooks message.
type Message struct {
	// ID is the webhook-id: the same for every attempt and every copy of
	// the event, so a consumer deduplicates on it.
	ID   string
	Type payment.Type
	// PaymentKey orders delivery: a payment's messages go out one at a
	// time, oldest first.
	PaymentKey string
	Body       []byte
}

// Body is what a consumer receives: the Standard Webhooks shape (type,
// timestamp, data), with the canonical event as data.
type Body struct {
	Type payment.Type `json:"type"`
	// Timestamp is when the event happened at the provider.
	Timestamp time.Time `json:"timestamp"`
	Data      Data      `json:"data"`
}

// Data is the canonical event, where it left its payment, and the key the
// payment is known by.
type Data struct {
	payment.Announcement
	// PaymentKey is "<provider>/<payment id>": unique across providers.
	PaymentKey string `json:"payment_key,omitempty"`
}

// MarshalJSON writes the announcement (an unknown amount left out) with
// the payment key; without it the embedded Announcement's would drop the
// key.
func (d Data) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		payment.WireAnnouncement
		PaymentKey string `json:"payment_key,omitempty"`
	}{d.Wire(), d.PaymentKey})
}

// NewMessage builds the message for a validated canonical event.
func NewMessage(a payment.Announcement) (Message, error) {
	e := a.Event
	if err := e.Validate(); err != nil {
		return Message{}, fmt.Errorf("forward: %w", err)
	}
	key := PaymentKey(e)
	body, err := json.Marshal(Body{Type: e.Type, Timestamp: e.OccurredAt.UTC(), Data: Data{Announcement: a, PaymentKey: key}})
	if err != nil {
		return Message{}, err
	}
	return Message{ID: MessageID(e.Provider, e.EventID), Type: e.Type, PaymentKey: key, Body: body}, nil
}

// PaymentKey is "<provider>/<payment id>", or "" for an event about no
// payment. Provider names hold no '/', so the first one splits it.
func PaymentKey(e payment.Event) string {
	if e.PaymentID == "" {
		return ""
	}
	return e.Provider + "/" + e.PaymentID
}

// MessageID derives the webhook-id from the provider and its event id, so
// that a redelivered or reconciled copy of an event, or its path on
// AWS, carries the same id: "msg_" and 26 base32 characters.
func MessageID(provider, eventID string) string {
	sum := sha256.Sum256([]byte(provider + "\x00" + eventID))
	return "msg_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:16]))
}
