package payment

import (
	"path"
	"strings"
)

var paypalTypes = map[string]Type{
	"PAYMENT.CAPTURE.COMPLETED":     Succeeded,
	"PAYMENT.CAPTURE.PENDING":       Pending,
	"PAYMENT.CAPTURE.DENIED":        Failed,
	"PAYMENT.CAPTURE.DECLINED":      Failed,
	"PAYMENT.CAPTURE.REFUNDED":      PartiallyRefunded,
	"PAYMENT.CAPTURE.REVERSED":      Refunded,
	"PAYMENT.AUTHORIZATION.CREATED": Pending,
	"PAYMENT.AUTHORIZATION.VOIDED":  Canceled,
	"CUSTOMER.DISPUTE.CREATED":      DisputeOpened,
	"CUSTOMER.DISPUTE.UPDATED":      DisputeOpened,
	"CUSTOMER.DISPUTE.RESOLVED":     DisputeClosed,
}

type paypalMoney struct {
	Value        string `json:"value"`
	CurrencyCode string `json:"currency_code"`
}

// PayPal keys a payment by its capture (or authorization) id. A refund's
// resource is the refund; its capture is the link with rel "up". A dispute
// names the capture as the seller transaction it disputes.
func normalizePayPal(d Delivery) (Event, error) {
	var payload struct {
		Resource struct {
			ID     string       `json:"id"`
			Amount *paypalMoney `json:"amount"`
			Links  []struct {
				Href string `json:"href"`
				Rel  string `json:"rel"`
			} `json:"links"`
			SellerPayableBreakdown struct {
				TotalRefundedAmount *paypalMoney `json:"total_refunded_amount"`
			} `json:"seller_payable_breakdown"`
			DisputeAmount        *paypalMoney `json:"dispute_amount"`
			DisputedTransactions []struct {
				SellerTransactionID string `json:"seller_transaction_id"`
			} `json:"disputed_transactions"`
		} `json:"resource"`
	}
	if err := decode(d.Body, &payload); err != nil {
		return Event{}, err
	}
	r := payload.Resource
	e := Event{Type: paypalTypes[d.EventType], PaymentID: r.ID}
	if e.Type == "" {
		e.Type = Other
	}
	money := r.Amount
	switch {
	case strings.HasPrefix(d.EventType, "CUSTOMER.DISPUTE."):
		e.PaymentID, money = "", r.DisputeAmount
		if len(r.DisputedTransactions) > 0 {
			e.PaymentID = r.DisputedTransactions[0].SellerTransactionID
		}
	case e.Type == PartiallyRefunded || e.Type == Refunded:
		for _, link := range r.Links {
			if link.Rel == "up" {
				e.PaymentID = path.Base(link.Href)
			}
		}
		if total := r.SellerPayableBreakdown.TotalRefundedAmount; total != nil {
			money, e.RefundedTotal = total, true
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
