package standard

import (
	"slices"

	"github.com/payhook/payhook/shared/payment"
)

// Standard Webhooks does not define event types. A sender that uses the
// canonical type names, with data.payment_id, data.amount (minor units) and
// data.currency (and, for refunds and disputes, data.refund_id,
// data.refund_status, data.dispute_status, data.dispute_outcome), is mapped
// one to one; anything else is Other.
func normalize(d payment.Delivery) (payment.Event, error) {
	var payload struct {
		Data struct {
			PaymentID      string               `json:"payment_id"`
			Amount         int64                `json:"amount"`
			Currency       string               `json:"currency"`
			RefundID       string               `json:"refund_id"`
			RefundStatus   payment.RefundStatus `json:"refund_status"`
			DisputeStatus  string               `json:"dispute_status"`
			DisputeOutcome string               `json:"dispute_outcome"`
		} `json:"data"`
	}
	if err := payment.Decode(d.Body, &payload); err != nil {
		return payment.Event{}, err
	}
	data := payload.Data
	e := payment.Event{Type: payment.Other, PaymentID: data.PaymentID, AmountMinor: data.Amount, Currency: data.Currency}
	if t := payment.Type(d.EventType); t != payment.Other && slices.Contains(payment.Types, t) {
		e.Type = t
	}
	if e.IsRefund() {
		e.RefundID, e.RefundStatus = data.RefundID, data.RefundStatus
	}
	if e.IsDispute() {
		e.DisputeStatus = data.DisputeStatus
		if e.Type == payment.DisputeClosed {
			e.DisputeOutcome = data.DisputeOutcome
		}
	}
	return e, nil
}
