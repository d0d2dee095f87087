package payment

import "cmp"

// stripeTypes maps Stripe event types whose canonical type does not depend
// on the payload. charge.refunded is decided by the charge's refunded flag.
var stripeTypes = map[string]Type{
	"payment_intent.created":        Pending,
	"payment_intent.processing":     Pending,
	"payment_intent.succeeded":      Succeeded,
	"payment_intent.payment_failed": Failed,
	"payment_intent.canceled":       Canceled,
	"charge.pending":                Pending,
	"charge.succeeded":              Succeeded,
	"charge.failed":                 Failed,
	"charge.dispute.created":        DisputeOpened,
	"charge.dispute.updated":        DisputeOpened,
	"charge.dispute.closed":         DisputeClosed,
}

// Stripe amounts are already in the smallest currency unit, and a payment
// is keyed by its PaymentIntent, so charges and disputes land on the same
// state as the intent they belong to.
func normalizeStripe(d Delivery) (Event, error) {
	var payload struct {
		Data struct {
			Object struct {
				ID             string `json:"id"`
				Object         string `json:"object"`
				Amount         int64  `json:"amount"`
				AmountReceived int64  `json:"amount_received"`
				AmountRefunded int64  `json:"amount_refunded"`
				Refunded       bool   `json:"refunded"`
				Currency       string `json:"currency"`
				PaymentIntent  string `json:"payment_intent"`
				Charge         string `json:"charge"`
			} `json:"object"`
		} `json:"data"`
	}
	if err := decode(d.Body, &payload); err != nil {
		return Event{}, err
	}
	o := payload.Data.Object
	e := Event{Type: Other, Currency: o.Currency, AmountMinor: o.Amount}
	switch {
	case d.EventType == "charge.refunded":
		e.Type, e.AmountMinor, e.RefundedTotal = PartiallyRefunded, o.AmountRefunded, true
		if o.Refunded {
			e.Type = Refunded
		}
	case stripeTypes[d.EventType] != "":
		e.Type = stripeTypes[d.EventType]
	}
	switch o.Object {
	case "payment_intent":
		e.PaymentID = o.ID
		if e.Type == Succeeded && o.AmountReceived > 0 {
			e.AmountMinor = o.AmountReceived
		}
	case "charge":
		e.PaymentID = cmp.Or(o.PaymentIntent, o.ID)
	case "dispute":
		e.PaymentID = cmp.Or(o.PaymentIntent, o.Charge)
	}
	return e, nil
}
