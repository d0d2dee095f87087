package payment

type squareMoney struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Square says what happened in the object's status or state, not in the
// event type: payment.updated is a success, a failure or a cancellation.
var (
	squarePaymentStatus = map[string]Type{"APPROVED": Pending, "PENDING": Pending, "COMPLETED": Succeeded, "CANCELED": Canceled, "FAILED": Failed}
	squareDisputeClosed = map[string]bool{"WON": true, "LOST": true, "ACCEPTED": true}
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
		// Only a completed refund moves money; the payment's state decides
		// whether it refunded the whole amount.
		e.PaymentID, money = o.Refund.PaymentID, o.Refund.AmountMoney
		if o.Refund.Status == "COMPLETED" {
			e.Type = PartiallyRefunded
		}
	case (d.EventType == "dispute.created" || d.EventType == "dispute.state.updated" || d.EventType == "dispute.state.changed" || d.EventType == "dispute.evidence.created") && o.Dispute != nil:
		e.PaymentID, money = o.Dispute.DisputedPayment.PaymentID, o.Dispute.AmountMoney
		switch {
		case d.EventType == "dispute.evidence.created":
		case squareDisputeClosed[o.Dispute.State]:
			e.Type = DisputeClosed
		default:
			e.Type = DisputeOpened
		}
	}
	e.AmountMinor, e.Currency = money.Amount, money.Currency
	return e, nil
}
