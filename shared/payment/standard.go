package payment

// Standard Webhooks does not define event types. A sender that uses the
// canonical type names, with data.payment_id, data.amount (minor units) and
// data.currency, is mapped one to one; anything else is Other.
func normalizeStandard(d Delivery) (Event, error) {
	var payload struct {
		Data struct {
			PaymentID string `json:"payment_id"`
			Amount    int64  `json:"amount"`
			Currency  string `json:"currency"`
		} `json:"data"`
	}
	if err := decode(d.Body, &payload); err != nil {
		return Event{}, err
	}
	e := Event{Type: Other, PaymentID: payload.Data.PaymentID, AmountMinor: payload.Data.Amount, Currency: payload.Data.Currency}
	switch t := Type(d.EventType); t {
	case Succeeded, Failed, Pending, Canceled, Refunded, PartiallyRefunded, DisputeOpened, DisputeClosed:
		e.Type = t
	}
	return e, nil
}
