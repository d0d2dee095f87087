package store

import (
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/payhook/payhook/shared/payment"
)

// PaymentItem encodes a payment state as a table item.
func PaymentItem(s payment.State, at time.Time) Item {
	pk, sk := PaymentKey(s.Provider, s.PaymentID), SortKey(KindPayment)
	history := make([]events.DynamoDBAttributeValue, len(s.History))
	for i, id := range s.History {
		history[i] = events.NewStringAttribute(id)
	}
	item := Item{
		AttrPK:            events.NewStringAttribute(pk),
		AttrSK:            events.NewStringAttribute(sk),
		AttrProvider:      events.NewStringAttribute(s.Provider),
		AttrPaymentID:     events.NewStringAttribute(s.PaymentID),
		AttrStatus:        events.NewStringAttribute(string(s.Status)),
		AttrAmountMinor:   events.NewNumberAttribute(strconv.FormatInt(s.AmountMinor, 10)),
		AttrRefundedMinor: events.NewNumberAttribute(strconv.FormatInt(s.RefundedMinor, 10)),
		AttrLastEventID:   events.NewStringAttribute(s.LastEventID),
		AttrVersion:       events.NewNumberAttribute(strconv.FormatInt(s.Version, 10)),
		AttrHistory:       events.NewListAttribute(history),
		AttrUpdatedBy:     events.NewStringAttribute(ByProcessor),
		AttrUpdatedAt:     events.NewStringAttribute(formatTime(at)),
	}
	if !s.LastOccurredAt.IsZero() {
		item[AttrLastOccurredAt] = events.NewStringAttribute(formatTime(s.LastOccurredAt))
	}
	if s.Currency != "" {
		item[AttrCurrency] = events.NewStringAttribute(s.Currency)
	}
	if s.Dispute != "" {
		item[AttrDispute] = events.NewStringAttribute(s.Dispute)
	}
	return item
}

// DecodePayment reads a payment state item.
func DecodePayment(item Item) (payment.State, error) {
	if KindOf(item) != KindPayment {
		return payment.State{}, errors.New("item is not a payment")
	}
	s := payment.State{
		Provider:    str(item, AttrProvider),
		PaymentID:   str(item, AttrPaymentID),
		Status:      payment.Status(str(item, AttrStatus)),
		Currency:    str(item, AttrCurrency),
		Dispute:     str(item, AttrDispute),
		LastEventID: str(item, AttrLastEventID),
	}
	var err error
	if s.LastOccurredAt, err = parseTime(str(item, AttrLastOccurredAt)); err != nil {
		return payment.State{}, err
	}
	for name, into := range map[string]*int64{AttrAmountMinor: &s.AmountMinor, AttrRefundedMinor: &s.RefundedMinor, AttrVersion: &s.Version} {
		n, err := num(item, name)
		if err != nil {
			return payment.State{}, err
		}
		*into = int64(n)
	}
	if history, ok := item[AttrHistory]; ok && history.DataType() == events.DataTypeList {
		for _, id := range history.List() {
			s.History = append(s.History, id.String())
		}
	}
	return s, nil
}
