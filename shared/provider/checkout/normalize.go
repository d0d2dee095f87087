package checkout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/payhook/payhook/shared/payment"
)

// types maps Checkout.com's event types. payment_approved is an
// authorisation: the payment succeeds with payment_captured, which
// Checkout.com sends when the money is captured. payment_refunded is one
// refund action; the state adds refunds up by action id and sees when
// they reach the payment's amount. dispute_canceled and dispute_resolved
// close a dispute without the docs saying who won, so they carry no
// outcome.
var types = map[string]payment.Type{
	"payment_approved":         payment.Pending,
	"payment_pending":          payment.Pending,
	"payment_captured":         payment.Succeeded,
	"payment_declined":         payment.Failed,
	"payment_capture_declined": payment.Failed,
	"payment_expired":          payment.Canceled,
	"payment_canceled":         payment.Canceled,
	"payment_voided":           payment.Canceled,
	"payment_refunded":         payment.PartiallyRefunded,
	"payment_refund_pending":   payment.RefundUpdated,
	"payment_refund_declined":  payment.RefundUpdated,
	// The legacy chargeback notice, before the dispute_* family.
	"payment_chargeback": payment.DisputeOpened,

	"dispute_received":                        payment.DisputeOpened,
	"dispute_evidence_required":               payment.DisputeOpened,
	"dispute_evidence_submitted":              payment.DisputeUpdated,
	"dispute_evidence_acknowledged_by_scheme": payment.DisputeUpdated,
	"dispute_arbitration_sent_to_scheme":      payment.DisputeUpdated,
	"dispute_won":                             payment.DisputeClosed,
	"dispute_lost":                            payment.DisputeClosed,
	"dispute_expired":                         payment.DisputeClosed,
	"dispute_accepted":                        payment.DisputeClosed,
	"dispute_canceled":                        payment.DisputeClosed,
	"dispute_resolved":                        payment.DisputeClosed,
	"dispute_arbitration_won":                 payment.DisputeClosed,
	"dispute_arbitration_lost":                payment.DisputeClosed,
}

var refundStatus = map[string]payment.RefundStatus{
	"payment_refunded":        payment.RefundSucceeded,
	"payment_refund_pending":  payment.RefundPending,
	"payment_refund_declined": payment.RefundFailed,
}

// disputeOutcome: an expired dispute is one left without a response in
// time, and an accepted one is conceded; both are lost.
var disputeOutcome = map[string]string{
	"dispute_won":              payment.DisputeWon,
	"dispute_arbitration_won":  payment.DisputeWon,
	"dispute_lost":             payment.DisputeLost,
	"dispute_arbitration_lost": payment.DisputeLost,
	"dispute_expired":          payment.DisputeLost,
	"dispute_accepted":         payment.DisputeLost,
}

// normalize maps one event. A payment event's data is the payment action:
// data.id the payment (pay_...), data.action_id the action (act_...); a
// dispute event's data is the dispute (dsp_...), whose payment is
// data.payment_id. Amounts are minor units. Events about neither
// (card_verified, source_updated, authentication_*) are recorded as other,
// and their data is not read.
func normalize(d payment.Delivery) (payment.Event, error) {
	var payload struct {
		Data struct {
			ID        string          `json:"id"`
			PaymentID string          `json:"payment_id"`
			ActionID  string          `json:"action_id"`
			Amount    json.RawMessage `json:"amount"`
			Currency  string          `json:"currency"`
		} `json:"data"`
	}
	if err := payment.Decode(d.Body, &payload); err != nil {
		return payment.Event{}, err
	}
	data := payload.Data
	e := payment.Event{Type: payment.Other}
	if t, ok := types[d.EventType]; ok {
		e.Type = t
	}
	switch {
	case strings.HasPrefix(d.EventType, "payment_"):
		e.PaymentID = data.ID
		if e.IsRefund() {
			e.RefundID, e.RefundStatus = data.ActionID, refundStatus[d.EventType]
		}
		if d.EventType == "payment_captured" {
			// A payment may be captured in parts, each its own action.
			e.CaptureID = data.ActionID
		}
		if e.IsDispute() {
			e.DisputeStatus = "chargeback"
		}
	case strings.HasPrefix(d.EventType, "dispute_"):
		e.PaymentID = data.PaymentID
		if e.IsDispute() {
			e.DisputeStatus = strings.TrimPrefix(d.EventType, "dispute_")
			e.DisputeOutcome = disputeOutcome[d.EventType]
		}
	default:
		return e, nil
	}
	amount, err := minorUnits(data.Amount)
	if err != nil {
		return payment.Event{}, err
	}
	e.AmountMinor, e.Currency = amount, data.Currency
	return e, nil
}

// minorUnits reads an amount in minor units: a JSON integer, or a string
// of digits, as the legacy authentication_failed example sends ("1250").
// A fraction, an exponent or a sign is refused rather than rounded.
func minorUnits(raw json.RawMessage) (int64, error) {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return 0, nil
	}
	digits := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &digits); err != nil {
			return 0, fmt.Errorf("%w: amount is not minor units", payment.ErrUnprocessable)
		}
	}
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, fmt.Errorf("%w: amount is not minor units", payment.ErrUnprocessable)
	}
	amount, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: amount too large", payment.ErrUnprocessable)
	}
	return amount, nil
}
