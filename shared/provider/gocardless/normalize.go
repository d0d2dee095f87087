package gocardless

import (
	"strings"

	"github.com/payhook/payhook/shared/payment"
)

// GoCardless events say what happened to which resource, and carry no
// amounts: those are on the payment and the refund. A payment or refund
// event's amount is unknown (payment.Event.AmountUnknown) until the
// processor reads it from GoCardless's API (events.go, Amounts), never 0;
// a refund paid with no amount still counts as money gone back
// (payment.State).
var (
	paymentTypes = map[string]payment.Type{
		"payments.created":                   payment.Pending,
		"payments.submitted":                 payment.Pending,
		"payments.pending_submission":        payment.Pending,
		"payments.customer_approval_granted": payment.Pending,
		"payments.resubmission_requested":    payment.Pending,
		// Confirmed: the time for the bank to refuse has passed, the money
		// is collected; paid out follows when it reaches the merchant.
		"payments.confirmed": payment.Succeeded,
		"payments.paid_out":  payment.Succeeded,
		// A late failure (after confirmed) is newer than the success, so it
		// moves the payment back (payment.State).
		"payments.failed":                   payment.Failed,
		"payments.late_failure_settled":     payment.Failed,
		"payments.customer_approval_denied": payment.Failed,
		"payments.cancelled":                payment.Canceled,
		"payments.charged_back":             payment.DisputeOpened,
		"payments.chargeback_cancelled":     payment.DisputeClosed,
		"payments.chargeback_settled":       payment.DisputeClosed,
	}
	chargebackOutcome = map[string]string{"chargeback_cancelled": payment.DisputeWon, "chargeback_settled": payment.DisputeLost}
	// Refund events: paid is money gone back; funds_returned is a refund
	// the customer's bank sent back to the merchant, so none went back.
	refundStatus = map[string]payment.RefundStatus{
		"refunds.created": payment.RefundPending, "refunds.paid": payment.RefundSucceeded,
		"refunds.failed": payment.RefundFailed, "refunds.funds_returned": payment.RefundFailed,
	}
)

func normalize(d payment.Delivery) (payment.Event, error) {
	var event struct {
		Links struct {
			Payment string `json:"payment"`
			Refund  string `json:"refund"`
		} `json:"links"`
		Details struct {
			Currency string `json:"currency"`
		} `json:"details"`
	}
	if err := payment.Decode(d.Body, &event); err != nil {
		return payment.Event{}, err
	}
	e := payment.Event{Type: payment.Other}
	paymentID := event.Links.Payment
	switch {
	case paymentID == "":
		return e, nil
	case paymentTypes[d.EventType] != "":
		e.Type, e.PaymentID = paymentTypes[d.EventType], paymentID
		if e.IsDispute() {
			action := strings.TrimPrefix(d.EventType, "payments.")
			e.DisputeStatus, e.DisputeOutcome = action, chargebackOutcome[action]
		}
	case refundStatus[d.EventType] != "" && event.Links.Refund != "":
		e.PaymentID, e.RefundID, e.RefundStatus = paymentID, event.Links.Refund, refundStatus[d.EventType]
		e.Type = payment.RefundUpdated
		if e.RefundStatus == payment.RefundSucceeded {
			e.Type = payment.PartiallyRefunded
		}
	}
	if e.Type != payment.Other {
		e.AmountUnknown = true
		if isCurrencyCode(event.Details.Currency) {
			e.Currency = event.Details.Currency
		}
	}
	return e, nil
}

// isCurrencyCode reports whether s looks like ISO 4217: the field is not
// documented for every event, so anything else is left out rather than
// refused.
func isCurrencyCode(s string) bool {
	return len(s) == 3 && !strings.ContainsFunc(s, func(r rune) bool { return (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') })
}
