package square

import "github.com/payhook/payhook/shared/payment"

type money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Square says what happened in the object's status or state, not in the
// event type: payment.updated is a success, a failure or a cancellation;
// refund.updated a completed or a failed refund; dispute.state.updated a
// decision or a step on the way.
var (
	paymentStatus  = map[string]payment.Type{"APPROVED": payment.Pending, "PENDING": payment.Pending, "COMPLETED": payment.Succeeded, "CANCELED": payment.Canceled, "FAILED": payment.Failed}
	refundStatus   = map[string]payment.RefundStatus{"PENDING": payment.RefundPending, "COMPLETED": payment.RefundSucceeded, "REJECTED": payment.RefundFailed, "FAILED": payment.RefundFailed}
	disputeOutcome = map[string]string{"WON": payment.DisputeWon, "LOST": payment.DisputeLost, "ACCEPTED": payment.DisputeLost}
	disputeEvents  = map[string]bool{"dispute.created": true, "dispute.state.updated": true, "dispute.state.changed": true, "dispute.evidence.created": true}
)

func normalize(d payment.Delivery) (payment.Event, error) {
	var payload struct {
		Data struct {
			Object struct {
				Payment *struct {
					ID          string `json:"id"`
					Status      string `json:"status"`
					AmountMoney money  `json:"amount_money"`
				} `json:"payment"`
				Refund *struct {
					ID          string `json:"id"`
					PaymentID   string `json:"payment_id"`
					Status      string `json:"status"`
					AmountMoney money  `json:"amount_money"`
				} `json:"refund"`
				Dispute *struct {
					State           string `json:"state"`
					AmountMoney     money  `json:"amount_money"`
					DisputedPayment struct {
						PaymentID string `json:"payment_id"`
					} `json:"disputed_payment"`
				} `json:"dispute"`
			} `json:"object"`
		} `json:"data"`
	}
	if err := payment.Decode(d.Body, &payload); err != nil {
		return payment.Event{}, err
	}
	o := payload.Data.Object
	e := payment.Event{Type: payment.Other}
	var amount money
	switch {
	case (d.EventType == "payment.created" || d.EventType == "payment.updated") && o.Payment != nil:
		e.PaymentID, amount = o.Payment.ID, o.Payment.AmountMoney
		if t, ok := paymentStatus[o.Payment.Status]; ok {
			e.Type = t
		}
	case (d.EventType == "refund.created" || d.EventType == "refund.updated") && o.Refund != nil:
		// Square reports one refund in several events: it is counted once,
		// by its id, when completed; the payment's state decides whether
		// it refunded the whole amount.
		e.PaymentID, e.RefundID, amount = o.Refund.PaymentID, o.Refund.ID, o.Refund.AmountMoney
		e.RefundStatus = refundStatus[o.Refund.Status]
		e.Type = payment.RefundUpdated
		if e.RefundStatus == payment.RefundSucceeded {
			e.Type = payment.PartiallyRefunded
		}
	case disputeEvents[d.EventType] && o.Dispute != nil:
		e.PaymentID, amount, e.DisputeStatus = o.Dispute.DisputedPayment.PaymentID, o.Dispute.AmountMoney, o.Dispute.State
		outcome, decided := disputeOutcome[o.Dispute.State]
		switch {
		case d.EventType == "dispute.evidence.created":
		case decided:
			e.Type, e.DisputeOutcome = payment.DisputeClosed, outcome
		case d.EventType == "dispute.created":
			e.Type = payment.DisputeOpened
		default:
			e.Type = payment.DisputeUpdated
		}
	}
	e.AmountMinor, e.Currency = amount.Amount, amount.Currency
	return e, nil
}
