package payment

type squareMoney struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Square says what happened in the object's status or state, not in the
// event type: payment.updated is a success, a failure or a cancellation;
// refund.updated a completed or a failed refund; dispute.state.updated a
// decision or a step on the way.
var (
	squarePaymentStatus  = map[string]Type{"APPROVED": Pending, "PENDING": Pending, "COMPLETED": Succeeded, "CANCELED": Canceled, "FAILED": Failed}
	squareRefundStatus   = map[string]RefundStatus{"PENDING": RefundPending, "COMPLETED": RefundSucceeded, "REJECTED": RefundFailed, "FAILED": RefundFailed}
	squareDisputeOutcome = map[string]string{"WON": DisputeWon, "LOST": DisputeLost, "ACCEPTED": DisputeLost}
	squareDisputeEvents  = map[string]bool{"dispute.created": true, "dispute.state.updated": true, "dispute.state.changed": true, "dispute.evidence.created": true}
)

func normalizeSquare(d Delivery) (Event, error) {
	var payload struct {
		Data struct {
			Object struct {
				Payment *struct {
					ID          string      `json:"id"`
					Status      string      `json:"status"`
					AmountMoney squareMoney `json:"amount_money"`
				} `json:"payment"`
				Refund *struct {
					ID          string      `json:"id"`
					PaymentID   string      `json:"payment_id"`
					Status      string      `json:"status"`
					AmountMoney squareMoney `json:"amount_money"`
				} `json:"refund"`
				Dispute *struct {
					State           string      `json:"state"`
					AmountMoney     squareMoney `json:"amount_money"`
					DisputedPayment struct {
						PaymentID string `json:"payment_id"`
					} `json:"disputed_payment"`
				} `json:"dispute"`
			} `json:"object"`
		} `json:"data"`
	}
	if err := decode(d.Body, &payload); err != nil {
		return Event{}, err
	}
	o := payload.Data.Object
	e := Event{Type: Other}
	var money squareMoney
	switch {
	case (d.EventType == "payment.created" || d.EventType == "payment.updated") && o.Payment != nil:
		e.PaymentID, money = o.Payment.ID, o.Payment.AmountMoney
		if t, ok := squarePaymentStatus[o.Payment.Status]; ok {
			e.Type = t
		}
	case (d.EventType == "refund.created" || d.EventType == "refund.updated") && o.Refund != nil:
		// Square reports one refund in several events: it is counted once,
		// by its id, when completed; the payment's state decides whether
		// it refunded the whole amount.
		e.PaymentID, e.RefundID, money = o.Refund.PaymentID, o.Refund.ID, o.Refund.AmountMoney
		e.RefundStatus = squareRefundStatus[o.Refund.Status]
		e.Type = RefundUpdated
		if e.RefundStatus == RefundSucceeded {
			e.Type = PartiallyRefunded
		}
	case squareDisputeEvents[d.EventType] && o.Dispute != nil:
		e.PaymentID, money, e.DisputeStatus = o.Dispute.DisputedPayment.PaymentID, o.Dispute.AmountMoney, o.Dispute.State
		outcome, decided := squareDisputeOutcome[o.Dispute.State]
		switch {
		case d.EventType == "dispute.evidence.created":
		case decided:
			e.Type, e.DisputeOutcome = DisputeClosed, outcome
		case d.EventType == "dispute.created":
			e.Type = DisputeOpened
		default:
			e.Type = DisputeUpdated
		}
	}
	e.AmountMinor, e.Currency = money.Amount, money.Currency
	return e, nil
}
