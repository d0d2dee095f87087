package paypal

import (
	"cmp"
	"path"
	"strings"

	"github.com/payhook/payhook/shared/payment"
)

var types = map[string]payment.Type{
	"PAYMENT.CAPTURE.COMPLETED":     payment.Succeeded,
	"PAYMENT.CAPTURE.PENDING":       payment.Pending,
	"PAYMENT.CAPTURE.DENIED":        payment.Failed,
	"PAYMENT.CAPTURE.DECLINED":      payment.Failed,
	"PAYMENT.AUTHORIZATION.CREATED": payment.Pending,
	"PAYMENT.AUTHORIZATION.VOIDED":  payment.Canceled,
	"CUSTOMER.DISPUTE.CREATED":      payment.DisputeOpened,
	"CUSTOMER.DISPUTE.UPDATED":      payment.DisputeUpdated,
	"CUSTOMER.DISPUTE.RESOLVED":     payment.DisputeClosed,
}

// refundEvents carry a refund (a reversal is one too, of everything).
var refundEvents = map[string]bool{"PAYMENT.CAPTURE.REFUNDED": true, "PAYMENT.CAPTURE.REVERSED": true, "PAYMENT.REFUND.PENDING": true, "PAYMENT.REFUND.FAILED": true}

var (
	refundStatus   = map[string]payment.RefundStatus{"COMPLETED": payment.RefundSucceeded, "PENDING": payment.RefundPending, "FAILED": payment.RefundFailed, "CANCELLED": payment.RefundFailed}
	disputeOutcome = map[string]string{"RESOLVED_SELLER_FAVOUR": payment.DisputeWon, "RESOLVED_BUYER_FAVOUR": payment.DisputeLost}
)

type money struct {
	Value        string `json:"value"`
	CurrencyCode string `json:"currency_code"`
}

// PayPal keys a payment by its capture (or authorization) id. A refund's
// resource is the refund, identified by its own id; its capture is the link
// with rel "up". A dispute names the capture as the seller transaction it
// disputes.
func normalize(d payment.Delivery) (payment.Event, error) {
	var payload struct {
		Resource struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Amount *money `json:"amount"`
			Links  []struct {
				Href string `json:"href"`
				Rel  string `json:"rel"`
			} `json:"links"`
			DisputeAmount        *money `json:"dispute_amount"`
			DisputedTransactions []struct {
				SellerTransactionID string `json:"seller_transaction_id"`
			} `json:"disputed_transactions"`
			DisputeOutcome struct {
				OutcomeCode string `json:"outcome_code"`
			} `json:"dispute_outcome"`
		} `json:"resource"`
	}
	if err := payment.Decode(d.Body, &payload); err != nil {
		return payment.Event{}, err
	}
	r := payload.Resource
	e := payment.Event{Type: cmp.Or(types[d.EventType], payment.Other), PaymentID: r.ID}
	amount := r.Amount
	switch {
	case strings.HasPrefix(d.EventType, "CUSTOMER.DISPUTE."):
		e.PaymentID, amount, e.DisputeStatus = "", r.DisputeAmount, r.Status
		if len(r.DisputedTransactions) > 0 {
			e.PaymentID = r.DisputedTransactions[0].SellerTransactionID
		}
		if e.Type == payment.DisputeClosed {
			e.DisputeOutcome = disputeOutcome[r.DisputeOutcome.OutcomeCode]
		}
	case refundEvents[d.EventType]:
		e.RefundID, e.RefundStatus, e.PaymentID = r.ID, refundStatus[r.Status], ""
		if e.RefundStatus == "" && d.EventType != "PAYMENT.REFUND.PENDING" {
			e.RefundStatus = payment.RefundSucceeded // refunded and reversed say it happened
		}
		switch {
		case e.RefundStatus != payment.RefundSucceeded:
			e.Type = payment.RefundUpdated
		case d.EventType == "PAYMENT.CAPTURE.REVERSED":
			e.Type = payment.Refunded
		default:
			e.Type = payment.PartiallyRefunded
		}
		for _, link := range r.Links {
			if link.Rel == "up" {
				e.PaymentID = path.Base(link.Href)
			}
		}
	}
	if amount != nil {
		minor, err := payment.MinorUnits(amount.Value, amount.CurrencyCode)
		if err != nil {
			return payment.Event{}, err
		}
		e.AmountMinor, e.Currency = minor, amount.CurrencyCode
	}
	return e, nil
}
