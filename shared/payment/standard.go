package payment

import "slices"

// Standard Webhooks does not define event types. A sender that uses the
// canonical type names, with data.payment_id, data.amount (minor units) and
// data.currency (and, for refunds and disputes, data.refund_id,
// data.refund_status, data.dispute_status, data.dispute_outcome), is mapped
// one to one; anything else is Other.
func normalizeStandard(d Delivery) (Event, error) {
	var payload struct {
		Data struct {
			PaymentID      string       `json:"payment_id"`
			Amount         int64        `json:"amount"`
			Currency       string       `json:"currency"`
			RefundID       string       `json:"refund_id"`
			RefundStatus   RefundStatus `json:"refund_status"`
			DisputeStatus  string       `json:"dispute_status"`
			DisputeOutcome string       `json:"dispute_outcome"`
		} `json:"data"`
	}
	if err := decode(d.Body, &payload); err != nil {
		return Event{}, err
	}
	data := payload.Data
	e := Event{Type: Other, PaymentID: data.PaymentID, AmountMinor: data.Amount, Currency: data.Currency}
	if t := Type(d.EventType); t != Other && slices.Contains(Types, t) {
		e.Type = t
	}
	if e.IsRefund() {
		e.RefundID, e.RefundStatus = data.RefundID, data.RefundStatus
	}
	if e.IsDispute() {
		e.DisputeStatus = data.DisputeStatus
		if e.Type == DisputeClosed {
			e.DisputeOutcome = data.DisputeOutcome
		}
	}
	return e, nil
}
