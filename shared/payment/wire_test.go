package payment_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/payment"
)

// keysOf is the top-level object of b, by key.
func keysOf(t *testing.T, b []byte) map[string]json.RawMessage {
	t.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatal(err)
	}
	return fields
}

// TestAnUnknownAmountIsNotOnTheWire: an event whose provider did not state
// the amount (GoCardless without its API) carries no amount_minor at all,
// so that no consumer reads a 0 that was never said; a stated amount, even
// 0, is always there. What is published (EventBridge) and forwarded reads
// back as the event it was.
func TestAnUnknownAmountIsNotOnTheWire(t *testing.T) {
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	unknown := payment.Event{Provider: "gocardless", EventID: "EV1", Type: payment.Succeeded, ProviderType: "payments.confirmed", PaymentID: "PM1", AmountUnknown: true, OccurredAt: at}
	stated := payment.Event{Provider: "stripe", EventID: "evt_1", Type: payment.Succeeded, ProviderType: "payment_intent.succeeded", PaymentID: "pi_1", AmountMinor: 0, Currency: "EUR", OccurredAt: at}
	for _, tc := range []struct {
		name       string
		event      payment.Event
		wantAmount string // "" for no amount_minor
	}{
		{"unknown", unknown, ""},
		{"stated, 0", stated, "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			announced := payment.Announcement{Event: tc.event, PaymentStatus: payment.StatusSucceeded, PaymentVersion: 3}
			for _, v := range []any{tc.event, announced} {
				b, err := json.Marshal(v)
				is.NoErr(err)
				fields := keysOf(t, b)
				amount, ok := fields["amount_minor"]
				is.Equal(ok, tc.wantAmount != "")
				is.Equal(string(amount), tc.wantAmount)
				_, unknownSaid := fields["amount_unknown"]
				is.Equal(unknownSaid, tc.event.AmountUnknown)
			}
			b, err := json.Marshal(announced)
			is.NoErr(err)
			fields := keysOf(t, b)
			is.Equal(string(fields["payment_status"]), `"succeeded"`) // the announcement's own fields stay
			is.Equal(string(fields["payment_version"]), `3`)
			var back payment.Announcement
			is.NoErr(json.Unmarshal(b, &back))
			is.Equal(back, announced)
		})
	}
}
