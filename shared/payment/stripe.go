package payment

import "cmp"

// stripeTypes maps Stripe event types whose canonical type does not depend
// on the payload. charge.refunded is decided by the charge's refunded flag,
// refund events by the refund's status.
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
	"charge.dispute.updated":        DisputeUpdated,
	"charge.dispute.closed":         DisputeClosed,
}

// stripeRefundEvents carry a refund object, whose status says what it did.
var stripeRefundEvents = map[string]bool{"refund.created": true, "refund.updated": true, "refund.failed": true, "charge.refund.updated": true}

var (
	stripeRefundStatus   = map[string]RefundStatus{"succeeded": RefundSucceeded, "pending": RefundPending, "requires_action": RefundPending, "failed": RefundFailed, "canceled": RefundFailed}
	stripeDisputeOutcome = map[string]string{"won": DisputeWon, "lost": DisputeLost}
)

// Stripe amounts are already in the smallest currency unit, and a payment
// is keyed by its PaymentIntent, so charges, refunds and disputes land on
// the same state as the intent they belong to.
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
				Status         string `json:"status"`
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
	case stripeRefundEvents[d.EventType] && o.Object == "refund":
		e.RefundID, e.RefundStatus = o.ID, stripeRefundStatus[o.Status]
		e.Type = RefundUpdated
		if e.RefundStatus == RefundSucceeded {
			e.Type = PartiallyRefunded
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
	case "refund":
		e.PaymentID = cmp.Or(o.PaymentIntent, o.Charge)
	case "dispute":
		e.PaymentID = cmp.Or(o.PaymentIntent, o.Charge)
		e.DisputeStatus = o.Status
		if e.Type == DisputeClosed {
			e.DisputeOutcome = stripeDisputeOutcome[o.Status]
		}
	}
	return e, nil
}
