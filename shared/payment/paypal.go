package payment

import (
	"cmp"
	"path"
	"strings"
)

var paypalTypes = map[string]Type{
	"PAYMENT.CAPTURE.COMPLETED":     Succeeded,
	"PAYMENT.CAPTURE.PENDING":       Pending,
	"PAYMENT.CAPTURE.DENIED":        Failed,
	"PAYMENT.CAPTURE.DECLINED":      Failed,
	"PAYMENT.AUTHORIZATION.CREATED": Pending,
	"PAYMENT.AUTHORIZATION.VOIDED":  Canceled,
	"CUSTOMER.DISPUTE.CREATED":      DisputeOpened,
	"CUSTOMER.DISPUTE.UPDATED":      DisputeUpdated,
	"CUSTOMER.DISPUTE.RESOLVED":     DisputeClosed,
}

// paypalRefundEvents carry a refund (a reversal is one too, of everything).
var paypalRefundEvents = map[string]bool{"PAYMENT.CAPTURE.REFUNDED": true, "PAYMENT.CAPTURE.REVERSED": true, "PAYMENT.REFUND.PENDING": true, "PAYMENT.REFUND.FAILED": true}

var (
	paypalRefundStatus   = map[string]RefundStatus{"COMPLETED": RefundSucceeded, "PENDING": RefundPending, "FAILED": RefundFailed, "CANCELLED": RefundFailed}
	paypalDisputeOutcome = map[string]string{"RESOLVED_SELLER_FAVOUR": DisputeWon, "RESOLVED_BUYER_FAVOUR": DisputeLost}
)

type paypalMoney struct {
	Value        string `json:"value"`
	CurrencyCode string `json:"currency_code"`
}

// PayPal keys a payment by its capture (or authorization) id. A refund's
// resource is the refund, identified by its own id; its capture is the link
// with rel "up". A dispute names the capture as the seller transaction it
// disputes.
func normalizePayPal(d Delivery) (Event, error) {
	var payload struct {
		Resource struct {
			ID     string       `json:"id"`
			Status string       `json:"status"`
			Amount *paypalMoney `json:"amount"`
			Links  []struct {
				Href string `json:"href"`
				Rel  string `json:"rel"`
			} `json:"links"`
			DisputeAmount        *paypalMoney `json:"dispute_amount"`
			DisputedTransactions []struct {
				SellerTransactionID string `json:"seller_transaction_id"`
			} `json:"disputed_transactions"`
			DisputeOutcome struct {
				OutcomeCode string `json:"outcome_code"`
			} `json:"dispute_outcome"`
		} `json:"resource"`
	}
	if err := decode(d.Body, &payload); err != nil {
		return Event{}, err
	}
	r := payload.Resource
	e := Event{Type: cmp.Or(paypalTypes[d.EventType], Other), PaymentID: r.ID}
	money := r.Amount
	switch {
	case strings.HasPrefix(d.EventType, "CUSTOMER.DISPUTE."):
		e.PaymentID, money, e.DisputeStatus = "", r.DisputeAmount, r.Status
		if len(r.DisputedTransactions) > 0 {
			e.PaymentID = r.DisputedTransactions[0].SellerTransactionID
		}
		if e.Type == DisputeClosed {
			e.DisputeOutcome = paypalDisputeOutcome[r.DisputeOutcome.OutcomeCode]
		}
	case paypalRefundEvents[d.EventType]:
		e.RefundID, e.RefundStatus, e.PaymentID = r.ID, paypalRefundStatus[r.Status], ""
		if e.RefundStatus == "" && d.EventType != "PAYMENT.REFUND.PENDING" {
			e.RefundStatus = RefundSucceeded // refunded and reversed say it happened
		}
		switch {
		case e.RefundStatus != RefundSucceeded:
			e.Type = RefundUpdated
		case d.EventType == "PAYMENT.CAPTURE.REVERSED":
			e.Type = Refunded
		default:
			e.Type = PartiallyRefunded
		}
		for _, link := range r.Links {
			if link.Rel == "up" {
				e.PaymentID = path.Base(link.Href)
			}
		}
	}
	if money != nil {
		amount, err := MinorUnits(money.Value, money.CurrencyCode)
		if err != nil {
			return Event{}, err
		}
		e.AmountMinor, e.Currency = amount, money.CurrencyCode
	}
	return e, nil
}
