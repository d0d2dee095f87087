package payment_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/payment"
)

func TestParseTypes(t *testing.T) {
	is := is.New(t)
	types, err := payment.ParseTypes(" dispute.opened, payment.failed ,")
	is.NoErr(err)
	is.Equal(types, []payment.Type{payment.DisputeOpened, payment.Failed})
	_, err = payment.ParseTypes("dispute.opened,chargeback")
	is.True(strings.HasPrefix(err.Error(), `"chargeback" is not a canonical event type (payment.succeeded, payment.failed, `))
}

// TestInvalidEventsSaySoInASentence: what an operator reads in events'
// WHY column names the field and the rule, never the value.
func TestInvalidEventsSaySoInASentence(t *testing.T) {
	valid := payment.Event{Provider: "stripe", EventID: "evt_1", Type: payment.Succeeded, ProviderType: "payment_intent.succeeded",
		PaymentID: "pi_1", AmountMinor: 2000, Currency: "EUR", OccurredAt: time.Now()}
	is.New(t).NoErr(valid.Validate())
	for want, change := range map[string]func(*payment.Event){
		"currency is not a three-letter ISO 4217 code in capitals, such as EUR": func(e *payment.Event) { e.Currency = "euro" },
		"amount_minor is negative":                       func(e *payment.Event) { e.AmountMinor = -1 },
		"the event states no payment_id, which it needs": func(e *payment.Event) { e.PaymentID = "" },
		"event_id is longer than 512 characters":         func(e *payment.Event) { e.EventID = strings.Repeat("e", 513) },
	} {
		t.Run(want, func(t *testing.T) {
			is := is.New(t)
			e := valid
			change(&e)
			err := e.Validate()
			is.True(errors.Is(err, payment.ErrUnprocessable))
			is.Equal(err.Error(), "unprocessable payload: "+want)
		})
	}
}
