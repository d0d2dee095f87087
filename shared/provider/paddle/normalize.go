package paddle

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/payhook/payhook/shared/payment"
)

// transactionTypes maps the transaction events, whose transaction (txn_)
// is the payment. transaction.paid is the payment captured, completed the
// transaction fully processed after it; both are a success. past_due is a
// collection that failed, which Paddle goes on retrying: failed, which a
// later success can still follow.
var transactionTypes = map[string]payment.Type{
	"transaction.created":        payment.Pending,
	"transaction.ready":          payment.Pending,
	"transaction.billed":         payment.Pending,
	"transaction.paid":           payment.Succeeded,
	"transaction.completed":      payment.Succeeded,
	"transaction.payment_failed": payment.Failed,
	"transaction.past_due":       payment.Failed,
	"transaction.canceled":       payment.Canceled,
}

// adjustmentEvents carry an adjustment (adj_) of a transaction: a refund,
// a credit or a chargeback, which its action says.
var adjustmentEvents = map[string]bool{"adjustment.created": true, "adjustment.updated": true}

// refundStatus is where a refund adjustment stands: most refunds wait for
// Paddle's approval, and a rejected or reversed one moved no money.
var refundStatus = map[string]payment.RefundStatus{
	"pending_approval": payment.RefundPending,
	"approved":         payment.RefundSucceeded,
	"rejected":         payment.RefundFailed,
	"reversed":         payment.RefundFailed,
}

// chargebacks maps the chargeback adjustments. Paddle, as merchant of
// record, fights disputes itself and tells the seller only the result: a
// chargeback adjustment is the money taken (lost); a warning announces one
// (open); the reversal of either means the money stays (won).
var chargebacks = map[string]struct {
	t       payment.Type
	outcome string
}{
	"chargeback_warning":         {payment.DisputeOpened, ""},
	"chargeback":                 {payment.DisputeClosed, payment.DisputeLost},
	"chargeback_reverse":         {payment.DisputeClosed, payment.DisputeWon},
	"chargeback_warning_reverse": {payment.DisputeClosed, payment.DisputeWon},
}

// normalize maps a notification by its event type; subscription events and
// every other entity's are recorded as other: a subscription's payments
// arrive as its transactions' own events.
func normalize(d payment.Delivery) (payment.Event, error) {
	var envelope struct {
		Data json.RawMessage `json:"data"`
	}
	if err := payment.Decode(d.Body, &envelope); err != nil {
		return payment.Event{}, err
	}
	switch {
	case transactionTypes[d.EventType] != "":
		return transaction(transactionTypes[d.EventType], envelope.Data)
	case adjustmentEvents[d.EventType]:
		return adjustment(envelope.Data)
	}
	return payment.Event{Type: payment.Other}, nil
}

// transaction is a payment of the grand total, what the customer pays.
func transaction(t payment.Type, data json.RawMessage) (payment.Event, error) {
	var txn struct {
		ID           string `json:"id"`
		CurrencyCode string `json:"currency_code"`
		Details      struct {
			Totals struct {
				GrandTotal   string `json:"grand_total"`
				CurrencyCode string `json:"currency_code"`
			} `json:"totals"`
		} `json:"details"`
	}
	if err := payment.Decode(data, &txn); err != nil {
		return payment.Event{}, err
	}
	amount, err := minorUnits(txn.Details.Totals.GrandTotal)
	if err != nil {
		return payment.Event{}, err
	}
	return payment.Event{Type: t, PaymentID: txn.ID, AmountMinor: amount, Currency: cmp.Or(txn.CurrencyCode, txn.Details.Totals.CurrencyCode)}, nil
}

// adjustment is about the transaction it adjusts, for its total. A refund
// is counted by its own id, once whatever the number of events about it;
// a full one refunds the payment in full whatever the amounts say. Credits
// and their reversals return no money, and a refund in a status payhook
// does not know is left alone rather than guessed at: both are other.
func adjustment(data json.RawMessage) (payment.Event, error) {
	var adj struct {
		ID            string `json:"id"`
		Action        string `json:"action"`
		Type          string `json:"type"`
		Status        string `json:"status"`
		TransactionID string `json:"transaction_id"`
		CurrencyCode  string `json:"currency_code"`
		Totals        struct {
			Total        string `json:"total"`
			CurrencyCode string `json:"currency_code"`
		} `json:"totals"`
	}
	if err := payment.Decode(data, &adj); err != nil {
		return payment.Event{}, err
	}
	status, refund := refundStatus[adj.Status]
	refund = refund && adj.Action == "refund"
	chargeback, disputed := chargebacks[adj.Action]
	if !refund && !disputed {
		return payment.Event{Type: payment.Other}, nil
	}
	amount, err := minorUnits(adj.Totals.Total)
	if err != nil {
		return payment.Event{}, err
	}
	e := payment.Event{PaymentID: adj.TransactionID, AmountMinor: amount, Currency: cmp.Or(adj.CurrencyCode, adj.Totals.CurrencyCode)}
	if disputed {
		e.Type, e.DisputeOutcome, e.DisputeStatus = chargeback.t, chargeback.outcome, adj.Action
		return e, nil
	}
	e.Type, e.RefundID, e.RefundStatus = payment.RefundUpdated, adj.ID, status
	if status == payment.RefundSucceeded {
		e.Type = payment.PartiallyRefunded
		if adj.Type == "full" {
			e.Type = payment.Refunded
		}
	}
	return e, nil
}

// minorUnits reads one of Paddle's amounts: a string holding the integer
// number of the currency's minor units ("1000" is 10.00 USD). Absent or
// null is an amount not stated. Anything else (a sign, a decimal point, an
// exponent) is not Paddle's format and is refused rather than rounded.
func minorUnits(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	if !digits(s) {
		return 0, fmt.Errorf("%w: amount is not an integer of minor units", payment.ErrUnprocessable)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: amount too large", payment.ErrUnprocessable)
	}
	return n, nil
}
