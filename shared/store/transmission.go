package store

import (
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Binding ties one delivery attempt of a provider whose signature does not
// cover the body with a digest (a PayPal transmission) to the SHA-256 of
// the body it carried. It is kept as long as webhooks are.
type Binding struct {
	Provider     string
	Transmission string
	BodySHA256   [32]byte
	EventID      string
	ReceivedAt   time.Time
	ExpiresAt    time.Time
}

const (
	transmissionSK      = "TRANSMISSION"
	attrTransmissionID  = "transmission_id"
	attrBodySHA256      = "body_sha256"
	transmissionPKStart = "TRANSMISSION#"
)

// TransmissionKey returns the partition and sort key of a binding.
func TransmissionKey(provider, transmission string) (pk, sk string) {
	return transmissionPKStart + provider + "#" + transmission, transmissionSK
}

// IsTransmission tells a binding item by its sort key.
func IsTransmission(item Item) bool { return str(item, AttrSK) == transmissionSK }

// TransmissionItem encodes b as a table item.
func TransmissionItem(b Binding) Item {
	pk, sk := TransmissionKey(b.Provider, b.Transmission)
	return Item{
		AttrPK:             events.NewStringAttribute(pk),
		AttrSK:             events.NewStringAttribute(sk),
		attrProvider:       events.NewStringAttribute(b.Provider),
		attrTransmissionID: events.NewStringAttribute(b.Transmission),
		attrBodySHA256:     events.NewStringAttribute(hex.EncodeToString(b.BodySHA256[:])),
		attrEventID:        events.NewStringAttribute(b.EventID),
		attrReceivedAt:     events.NewStringAttribute(formatTime(b.ReceivedAt)),
		AttrExpiresAt:      events.NewNumberAttribute(strconv.FormatInt(b.ExpiresAt.Unix(), 10)),
		attrUpdatedBy:      events.NewStringAttribute(ByReceiver),
		attrUpdatedAt:      events.NewStringAttribute(formatTime(b.ReceivedAt)),
	}
}

// SameBody reports whether a stored binding item carries the body digest of b.
func SameBody(stored Item, b Binding) (bool, error) {
	if !IsTransmission(stored) {
		return false, errors.New("item is not a transmission binding")
	}
	return str(stored, attrBodySHA256) == hex.EncodeToString(b.BodySHA256[:]), nil
}
