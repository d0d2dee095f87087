package store

import (
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/payhook/payhook/shared/payment"
)

const (
	paymentSK          = "STATE"
	attrPaymentID      = "payment_id"
	attrAmountMinor    = "amount_minor"
	attrRefundedMinor  = "refunded_minor"
	attrCurrency       = "currency"
	attrDispute        = "dispute"
	attrLastEventID    = "last_event_id"
	attrLastOccurredAt = "last_occurred_at"
	AttrVersion        = "version"
	attrHistory        = "history"
)

// PaymentKey returns the partition and sort key of a payment's state.
func PaymentKey(key string) (pk, sk string) { return key, paymentSK }

// IsWebhook and IsPayment tell items apart by their sort key.
func IsWebhook(item Item) bool { return str(item, AttrSK) == webhookSK }
func IsPayment(item Item) bool { return str(item, AttrSK) == paymentSK }

// PaymentItem encodes a payment state as a table item.
func PaymentItem(s payment.State, at time.Time) Item {
	pk, sk := PaymentKey(payment.Key(s.Provider, s.PaymentID))
	history := make([]events.DynamoDBAttributeValue, len(s.History))
	for i, id := range s.History {
		history[i] = events.NewStringAttribute(id)
	}
	item := Item{
		AttrPK:            events.NewStringAttribute(pk),
		AttrSK:            events.NewStringAttribute(sk),
		attrProvider:      events.NewStringAttribute(s.Provider),
		attrPaymentID:     events.NewStringAttribute(s.PaymentID),
		AttrStatus:        events.NewStringAttribute(string(s.Status)),
		attrAmountMinor:   events.NewNumberAttribute(strconv.FormatInt(s.AmountMinor, 10)),
		attrRefundedMinor: events.NewNumberAttribute(strconv.FormatInt(s.RefundedMinor, 10)),
		attrLastEventID:   events.NewStringAttribute(s.LastEventID),
		AttrVersion:       events.NewNumberAttribute(strconv.FormatInt(s.Version, 10)),
		attrHistory:       events.NewListAttribute(history),
		attrUpdatedBy:     events.NewStringAttribute(ByProcessor),
		attrUpdatedAt:     events.NewStringAttribute(formatTime(at)),
	}
	if !s.LastOccurredAt.IsZero() {
		item[attrLastOccurredAt] = events.NewStringAttribute(formatTime(s.LastOccurredAt))
	}
	if s.Currency != "" {
		item[attrCurrency] = events.NewStringAttribute(s.Currency)
	}
	if s.Dispute != "" {
		item[attrDispute] = events.NewStringAttribute(s.Dispute)
	}
	return item
}

// DecodePayment reads a payment state item.
func DecodePayment(item Item) (payment.State, error) {
	if !IsPayment(item) {
		return payment.State{}, errors.New("item is not a payment")
	}
	s := payment.State{
		Provider:    str(item, attrProvider),
		PaymentID:   str(item, attrPaymentID),
		Status:      payment.Status(str(item, AttrStatus)),
		Currency:    str(item, attrCurrency),
		Dispute:     str(item, attrDispute),
		LastEventID: str(item, attrLastEventID),
	}
	var err error
	if s.LastOccurredAt, err = parseTime(str(item, attrLastOccurredAt)); err != nil {
		return payment.State{}, err
	}
	for name, into := range map[string]*int64{attrAmountMinor: &s.AmountMinor, attrRefundedMinor: &s.RefundedMinor, AttrVersion: &s.Version} {
		n, err := num(item, name)
		if err != nil {
			return payment.State{}, err
		}
		*into = int64(n)
	}
	if history, ok := item[attrHistory]; ok && history.DataType() == events.DataTypeList {
		for _, id := range history.List() {
			s.History = append(s.History, id.String())
		}
	}
	return s, nil
}
