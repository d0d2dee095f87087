package main

import (
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/payment"
)

// The amounts say "unknown" exactly where the state says the provider did
// not state the amount, whatever the digits and the currency: a GoCardless
// payment without its token is "unknown", with nothing refunded "-", and
// the REFUNDED column marks only a refund of unknown amount "unknown*".
func TestAmountsShowUnknownOnlyWhereTheStateSaysSo(t *testing.T) {
	for _, tc := range []struct {
		name             string
		state            payment.State
		amount, refunded string
	}{
		{"GoCardless without its token, nothing refunded", payment.State{AmountUnknown: true}, "unknown", "-"},
		{"a refund of unknown amount", payment.State{AmountUnknown: true, RefundedAmountUnknown: true}, "unknown", "unknown*"},
		{"known refunds and one of unknown amount", payment.State{AmountMinor: 4200, RefundedMinor: 1200, RefundedAmountUnknown: true, Currency: "GBP"}, "42.00", "12.00 + unknown*"},
		{"a stated 0, no currency", payment.State{}, "0.00", "-"},
		{"known, in yen", payment.State{AmountMinor: 500, RefundedMinor: 100, Currency: "JPY"}, "500", "100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			is.Equal(amount(tc.state.AmountMinor, tc.state.Currency, tc.state.AmountUnknown), tc.amount)
			is.Equal(refundedText(tc.state, "*"), tc.refunded)
		})
	}
}
