package stripe

import (
	"cmp"

	"github.com/payhook/payhook/shared/payment"
)

// types maps Stripe event types whose canonical type does not depend
// on the payload. charge.refunded is decided by the charge's refunded flag,
// refund events by the refund's status.
var types = map[string]payment.Type{
	"payment_intent.created":        payment.Pending,
	"payment_intent.processing":     payment.Pending,
	"payment_intent.succeeded":      payment.Succeeded,
	"payment_intent.payment_failed": payment.Failed,
	"payment_intent.canceled":       payment.Canceled,
	"charge.pending":                payment.Pending,
	"charge.succeeded":              payment.Succeeded,
	"charge.failed":                 payment.Failed,
	"charge.dispute.created":        payment.DisputeOpened,
	"charge.dispute.updated":        payment.DisputeUpdated,
	"charge.dispute.closed":         payment.DisputeClosed,
}

// refundEvents carry a refund object, whose status says what it did.
var refundEvents = map[string]bool{"refund.created": true, "refund.updated": true, "refund.failed": true, "charge.refund.updated": true}

var (
	refundStatus   = map[string]payment.RefundStatus{"succeeded": payment.RefundSucceeded, "pending": payment.RefundPending, "requires_action": payment.RefundPending, "failed": payment.RefundFailed, "canceled": payment.RefundFailed}
	disputeOutcome = map[string]string{"won": payment.DisputeWon, "lost": payment.DisputeLost}
)

// Stripe amounts are already in the smallest currency unit, and a payment
// is keyed by its PaymentIntent, so charges, refunds and disputes land on
// the same state as the intent they belong to.
func normalize(d payment.Delivery) (payment.Event, error) {
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
	if err := payment.Decode(d.Body, &payload); err != nil {
		return payment.Event{}, err
	}
	o := payload.Data.Object
	e := payment.Event{Type: payment.Other, Currency: o.Currency, AmountMinor: o.Amount}
	switch {
	case d.EventType == "charge.refunded":
		e.Type, e.AmountMinor, e.RefundedTotal = payment.PartiallyRefunded, o.AmountRefunded, true
		if o.Refunded {
			e.Type = payment.Refunded
		}
	case refundEvents[d.EventType] && o.Object == "refund":
		e.RefundID, e.RefundStatus = o.ID, refundStatus[o.Status]
		e.Type = payment.RefundUpdated
		if e.RefundStatus == payment.RefundSucceeded {
			e.Type = payment.PartiallyRefunded
		}
	case types[d.EventType] != "":
		e.Type = types[d.EventType]
	}
	switch o.Object {
	case "payment_intent":
		e.PaymentID = o.ID
		if e.Type == payment.Succeeded && o.AmountReceived > 0 {
			e.AmountMinor = o.AmountReceived
		}
	case "charge":
		e.PaymentID = cmp.Or(o.PaymentIntent, o.ID)
	case "refund":
		e.PaymentID = cmp.Or(o.PaymentIntent, o.Charge)
	case "dispute":
		e.PaymentID = cmp.Or(o.PaymentIntent, o.Charge)
		e.DisputeStatus = o.Status
		if e.Type == payment.DisputeClosed {
			e.DisputeOutcome = disputeOutcome[o.Status]
		}
	}
	return e, nil
}
