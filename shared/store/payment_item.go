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
	history := make([]events.DynamoDBAttributeValue, len(s.History))
	for i, id := range s.History {
		history[i] = events.NewStringAttribute(id)
	}
	item := Item{
		AttrPK:        events.NewStringAttribute(PaymentKey(s.Provider, s.PaymentID)),
		AttrSK:        events.NewStringAttribute(SortKey(KindPayment)),
		AttrProvider:  events.NewStringAttribute(s.Provider),
		AttrPaymentID: events.NewStringAttribute(s.PaymentID),
		AttrStatus:    events.NewStringAttribute(string(s.Status)),
		// Always written, even empty (a refund before its payment): its
		// absence marks an item from before lifecycles were kept.
		AttrLifecycle:     events.NewStringAttribute(string(s.Lifecycle)),
		AttrAmountMinor:   number(s.AmountMinor),
		AttrRefundedMinor: number(s.RefundedMinor),
		AttrLastEventID:   events.NewStringAttribute(s.LastEventID),
		AttrVersion:       number(s.Version),
		AttrHistory:       events.NewListAttribute(history),
		AttrUpdatedBy:     events.NewStringAttribute(ByProcessor),
		AttrUpdatedAt:     events.NewStringAttribute(formatTime(at)),
	}
	for name, value := range map[string]string{AttrCurrency: s.Currency, AttrDispute: s.Dispute, AttrDisputeStatus: s.DisputeStatus} {
		if value != "" {
			item[name] = events.NewStringAttribute(value)
		}
	}
	for name, t := range map[string]time.Time{AttrLastOccurredAt: s.LastOccurredAt, AttrDisputeAt: s.DisputeAt} {
		if !t.IsZero() {
			item[name] = events.NewStringAttribute(formatTime(t))
		}
	}
	for name, n := range map[string]int64{AttrReportedRefundedMinor: s.ReportedRefundedMinor, AttrDisputeAmountMinor: s.DisputeAmountMinor} {
		if n != 0 {
			item[name] = number(n)
		}
	}
	for name, set := range map[string]bool{AttrRefundedInFull: s.RefundedInFull, AttrAmountUnknown: s.AmountUnknown, AttrRefundedAmountUnknown: s.RefundedAmountUnknown} {
		if set {
			item[name] = events.NewBooleanAttribute(true)
		}
	}
	if len(s.Refunds) > 0 {
		refunds := make(map[string]events.DynamoDBAttributeValue, len(s.Refunds))
		for id, r := range s.Refunds {
			refund := map[string]events.DynamoDBAttributeValue{
				AttrAmountMinor: number(r.AmountMinor),
				AttrStatus:      events.NewStringAttribute(string(r.Status)),
				AttrAt:          events.NewStringAttribute(formatTime(r.At)),
			}
			if r.AmountUnknown {
				refund[AttrAmountUnknown] = events.NewBooleanAttribute(true)
			}
			refunds[id] = events.NewMapAttribute(refund)
		}
		item[AttrRefunds] = events.NewMapAttribute(refunds)
	}
	if len(s.Captures) > 0 {
		captures := make(map[string]events.DynamoDBAttributeValue, len(s.Captures))
		for id, amount := range s.Captures {
			captures[id] = number(amount)
		}
		item[AttrCaptures] = events.NewMapAttribute(captures)
	}
	return item
}

// DecodePayment reads a payment state item. An item written before
// lifecycles and refunds were kept apart is read as a succeeded payment
// whose refunded amount is a reported total.
func DecodePayment(item Item) (payment.State, error) {
	if KindOf(item) != KindPayment {
		return payment.State{}, errors.New("item is not a payment")
	}
	s := payment.State{
		Provider:      str(item, AttrProvider),
		PaymentID:     str(item, AttrPaymentID),
		Status:        payment.Status(str(item, AttrStatus)),
		Lifecycle:     payment.Status(str(item, AttrLifecycle)),
		Currency:      str(item, AttrCurrency),
		Dispute:       str(item, AttrDispute),
		DisputeStatus: str(item, AttrDisputeStatus),
		LastEventID:   str(item, AttrLastEventID),
	}
	var err error
	for name, into := range map[string]*time.Time{AttrLastOccurredAt: &s.LastOccurredAt, AttrDisputeAt: &s.DisputeAt} {
		if *into, err = parseTime(str(item, name)); err != nil {
			return payment.State{}, err
		}
	}
	for name, into := range map[string]*int64{AttrAmountMinor: &s.AmountMinor, AttrRefundedMinor: &s.RefundedMinor, AttrVersion: &s.Version,
		AttrReportedRefundedMinor: &s.ReportedRefundedMinor, AttrDisputeAmountMinor: &s.DisputeAmountMinor} {
		n, err := num(item, name)
		if err != nil {
			return payment.State{}, err
		}
		*into = int64(n)
	}
	s.RefundedInFull, s.AmountUnknown, s.RefundedAmountUnknown = flag(item, AttrRefundedInFull), flag(item, AttrAmountUnknown), flag(item, AttrRefundedAmountUnknown)
	if history, ok := item[AttrHistory]; ok && history.DataType() == events.DataTypeList {
		for _, id := range history.List() {
			s.History = append(s.History, id.String())
		}
	}
	if refunds, ok := item[AttrRefunds]; ok && refunds.DataType() == events.DataTypeMap {
		s.Refunds = make(map[string]payment.Refund, len(refunds.Map()))
		for id, value := range refunds.Map() {
			r := value.Map()
			amount, err := num(r, AttrAmountMinor)
			if err != nil {
				return payment.State{}, err
			}
			at, err := parseTime(str(r, AttrAt))
			if err != nil {
				return payment.State{}, err
			}
			s.Refunds[id] = payment.Refund{AmountMinor: int64(amount), AmountUnknown: flag(r, AttrAmountUnknown), Status: payment.RefundStatus(str(r, AttrStatus)), At: at}
		}
	}
	if captures, ok := item[AttrCaptures]; ok && captures.DataType() == events.DataTypeMap {
		s.Captures = make(map[string]int64, len(captures.Map()))
		for id := range captures.Map() {
			amount, err := num(captures.Map(), id)
			if err != nil {
				return payment.State{}, err
			}
			s.Captures[id] = int64(amount)
		}
	}
	if _, ok := item[AttrLifecycle]; !ok {
		s.Lifecycle, s.ReportedRefundedMinor = s.Status, s.RefundedMinor
		if s.Status == payment.StatusPartiallyRefunded || s.Status == payment.StatusRefunded {
			s.Lifecycle, s.RefundedInFull = payment.StatusSucceeded, s.Status == payment.StatusRefunded
		}
	}
	return s, nil
}

func number(n int64) events.DynamoDBAttributeValue {
	return events.NewNumberAttribute(strconv.FormatInt(n, 10))
}

// flag reads a boolean attribute; absent is false.
func flag(item Item, name string) bool {
	v, ok := item[name]
	return ok && v.DataType() == events.DataTypeBoolean && v.Boolean()
}
