package store

import (
	"github.com/aws/aws-lambda-go/events"

	"github.com/payhook/payhook/shared/payment"
)

// The fields of a webhook's change attribute.
const (
	changeStatusFrom   = "status_from"
	changeStatusTo     = "status_to"
	changeAmountFrom   = "amount_from"
	changeAmountTo     = "amount_to"
	changeRefundedFrom = "refunded_from"
	changeRefundedTo   = "refunded_to"
	changeDisputeFrom  = "dispute_from"
	changeDisputeTo    = "dispute_to"
	changeVersionFrom  = "version_from"
	changeVersionTo    = "version_to"
)

// changeAttribute encodes c as a map; empty strings are left out, as
// DynamoDB refuses none but keeps items small.
func changeAttribute(c payment.Change) events.DynamoDBAttributeValue {
	m := map[string]events.DynamoDBAttributeValue{
		changeAmountFrom: number(c.AmountFrom), changeAmountTo: number(c.AmountTo),
		changeRefundedFrom: number(c.RefundedFrom), changeRefundedTo: number(c.RefundedTo),
		changeVersionFrom: number(c.VersionFrom), changeVersionTo: number(c.VersionTo),
	}
	for name, value := range map[string]string{changeStatusFrom: string(c.StatusFrom), changeStatusTo: string(c.StatusTo),
		AttrCurrency: c.Currency, changeDisputeFrom: c.DisputeFrom, changeDisputeTo: c.DisputeTo} {
		if value != "" {
			m[name] = events.NewStringAttribute(value)
		}
	}
	return events.NewMapAttribute(m)
}

// decodeChange reads a webhook's change, nil when it has none.
func decodeChange(item Item) (*payment.Change, error) {
	attr, ok := item[AttrChange]
	if !ok || attr.DataType() != events.DataTypeMap {
		return nil, nil
	}
	m := attr.Map()
	c := payment.Change{
		StatusFrom: payment.Status(str(m, changeStatusFrom)), StatusTo: payment.Status(str(m, changeStatusTo)),
		Currency: str(m, AttrCurrency), DisputeFrom: str(m, changeDisputeFrom), DisputeTo: str(m, changeDisputeTo),
	}
	for name, into := range map[string]*int64{changeAmountFrom: &c.AmountFrom, changeAmountTo: &c.AmountTo, changeRefundedFrom: &c.RefundedFrom,
		changeRefundedTo: &c.RefundedTo, changeVersionFrom: &c.VersionFrom, changeVersionTo: &c.VersionTo} {
		n, err := num(m, name)
		if err != nil {
			return nil, err
		}
		*into = int64(n)
	}
	return &c, nil
}
