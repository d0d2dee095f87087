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

// TransmissionItem encodes b as a table item.
func TransmissionItem(b Binding) Item {
	pk, sk := TransmissionKey(b.Provider, b.Transmission)
	return Item{
		AttrPK:             events.NewStringAttribute(pk),
		AttrSK:             events.NewStringAttribute(sk),
		AttrProvider:       events.NewStringAttribute(b.Provider),
		AttrTransmissionID: events.NewStringAttribute(b.Transmission),
		AttrBodySHA256:     events.NewStringAttribute(hex.EncodeToString(b.BodySHA256[:])),
		AttrEventID:        events.NewStringAttribute(b.EventID),
		AttrReceivedAt:     events.NewStringAttribute(formatTime(b.ReceivedAt)),
		AttrExpiresAt:      events.NewNumberAttribute(strconv.FormatInt(b.ExpiresAt.Unix(), 10)),
		AttrUpdatedBy:      events.NewStringAttribute(ByReceiver),
		AttrUpdatedAt:      events.NewStringAttribute(formatTime(b.ReceivedAt)),
	}
}

// SameBody reports whether a stored binding item carries the body digest of b.
func SameBody(stored Item, b Binding) (bool, error) {
	if KindOf(stored) != KindTransmission {
		return false, errors.New("item is not a transmission binding")
	}
	return str(stored, AttrBodySHA256) == hex.EncodeToString(b.BodySHA256[:]), nil
}
