package adyen

import (
	"fmt"
	"strings"

	"github.com/payhook/payhook/shared/payment"
)

// disputes maps Adyen's dispute event codes. A CHARGEBACK opens too: not
// every payment method sends NOTIFICATION_OF_CHARGEBACK first, and an
// opening while open changes nothing. The dispute's status is the code.
var disputes = map[string]struct {
	t       payment.Type
	outcome string
}{
	"NOTIFICATION_OF_CHARGEBACK":   {t: payment.DisputeOpened},
	"CHARGEBACK":                   {t: payment.DisputeOpened},
	"SECOND_CHARGEBACK":            {t: payment.DisputeOpened},
	"INFORMATION_SUPPLIED":         {t: payment.DisputeUpdated},
	"DISPUTE_DEFENSE_PERIOD_ENDED": {t: payment.DisputeUpdated},
	"CHARGEBACK_REVERSED":          {t: payment.DisputeClosed, outcome: payment.DisputeWon},
	"PREARBITRATION_WON":           {t: payment.DisputeClosed, outcome: payment.DisputeWon},
	"PREARBITRATION_LOST":          {t: payment.DisputeClosed, outcome: payment.DisputeLost},
}

// normalize maps one stored NotificationRequestItem. Amounts are already
// minor units. A payment is keyed by its pspReference: the item's own for
// the events about the payment itself (AUTHORISATION, OFFER_CLOSED,
// EXPIRE), the originalReference for a modification or a dispute, whose
// own pspReference names the modification or the dispute. success says
// whether the event happened: a REFUND with success=false is a refund
// refused; a code with success=false not named here tells no payment's
// news and is Other.
func normalize(d payment.Delivery) (payment.Event, error) {
	it, err := readItem(d.Body)
	if err != nil {
		return payment.Event{}, fmt.Errorf("%w: body is not an Adyen notification item", payment.ErrUnprocessable)
	}
	succeeded := it.success == "true"
	e := payment.Event{Type: payment.Other}
	switch code := d.EventType; code {
	case "AUTHORISATION":
		// Merchants who capture automatically get no CAPTURE webhook by
		// default: the authorisation is their payment's success.
		e.Type, e.PaymentID = payment.Failed, it.pspReference
		if succeeded {
			e.Type = payment.Succeeded
		}
	case "OFFER_CLOSED", "EXPIRE":
		if succeeded {
			e.Type, e.PaymentID = payment.Canceled, it.pspReference
		}
	case "CAPTURE":
		e.Type, e.PaymentID = payment.Failed, it.originalReference
		if succeeded {
			// A payment may be captured in parts, each with its own
			// pspReference.
			e.Type, e.CaptureID = payment.Succeeded, it.pspReference
		}
	case "CAPTURE_FAILED":
		if succeeded {
			e.Type, e.PaymentID = payment.Failed, it.originalReference
		}
	case "CANCELLATION":
		if succeeded {
			e.Type, e.PaymentID = payment.Canceled, it.originalReference
		}
	case "CANCEL_OR_REFUND":
		switch {
		case !succeeded:
		case it.action == "cancel":
			e.Type, e.PaymentID = payment.Canceled, it.originalReference
		case it.action == "refund":
			e = refund(it, payment.PartiallyRefunded, payment.RefundSucceeded)
		}
	case "REFUND":
		e = refund(it, payment.RefundUpdated, payment.RefundFailed)
		if succeeded {
			e = refund(it, payment.PartiallyRefunded, payment.RefundSucceeded)
		}
	case "REFUND_FAILED", "REFUNDED_REVERSED":
		// Both name the refund by its pspReference: the refund counted
		// before counts no more.
		if succeeded {
			e = refund(it, payment.RefundUpdated, payment.RefundFailed)
		}
	default:
		// A dispute without the disputed payment's reference (Adyen's own
		// examples of some codes lack it) is about no payment payhook
		// can name.
		if dispute, ok := disputes[code]; ok && succeeded && it.originalReference != "" {
			e.Type, e.PaymentID, e.DisputeStatus, e.DisputeOutcome = dispute.t, it.originalReference, code, dispute.outcome
		}
	}
	if e.Type != payment.Other {
		amount, err := isoMinorUnits(it.minor, it.currency)
		if err != nil {
			return payment.Event{}, err
		}
		e.AmountMinor, e.Currency = amount, it.currency
	}
	return e, nil
}

// adyenExponents are the currencies whose minor unit Adyen counts
// differently from ISO 4217 (docs.adyen.com/development-resources/
// currency-codes: CLP 2 and CVE 0, "differs from standard"; ISK 2, in that
// page's notes).
var adyenExponents = map[string]int{"CLP": 2, "CVE": 0, "ISK": 2}

// isoMinorUnits turns Adyen's minor units into ISO 4217's, which payhook
// keeps: CLP 10,000 arrives as 1000000. An amount that does not convert
// exactly is refused rather than rounded.
func isoMinorUnits(value int64, currency string) (int64, error) {
	adyen, differs := adyenExponents[strings.ToUpper(currency)]
	if !differs {
		return value, nil
	}
	shift := payment.Exponent(currency) - adyen
	for ; shift > 0; shift-- {
		value *= 10
	}
	for ; shift < 0; shift++ {
		if value%10 != 0 {
			return 0, fmt.Errorf("%w: amount is not a whole number of the currency's minor units", payment.ErrUnprocessable)
		}
		value /= 10
	}
	return value, nil
}

// refund is an event about the refund an item's pspReference names, of
// the payment its originalReference names.
func refund(it item, t payment.Type, status payment.RefundStatus) payment.Event {
	return payment.Event{Type: t, PaymentID: it.originalReference, RefundID: it.pspReference, RefundStatus: status}
}
