package samples_test

import (
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/samples"
)

// Every sample must map to the canonical type its event type promises, on
// the payment it names, with its amount: samples and mappings agree.
func TestEverySampleNormalizes(t *testing.T) {
	want := map[string]payment.Type{
		"payment_intent.created": payment.Pending, "payment_intent.processing": payment.Pending, "payment_intent.succeeded": payment.Succeeded,
		"payment_intent.payment_failed": payment.Failed, "payment_intent.canceled": payment.Canceled, "charge.pending": payment.Pending,
		"charge.succeeded": payment.Succeeded, "charge.failed": payment.Failed, "charge.refunded": payment.Refunded,
		"charge.dispute.created": payment.DisputeOpened, "charge.dispute.updated": payment.DisputeUpdated, "charge.dispute.closed": payment.DisputeClosed,
		"PAYMENT.CAPTURE.COMPLETED": payment.Succeeded, "PAYMENT.CAPTURE.PENDING": payment.Pending, "PAYMENT.CAPTURE.DENIED": payment.Failed,
		"PAYMENT.CAPTURE.DECLINED": payment.Failed, "PAYMENT.CAPTURE.REFUNDED": payment.PartiallyRefunded, "PAYMENT.CAPTURE.REVERSED": payment.Refunded,
		"PAYMENT.AUTHORIZATION.CREATED": payment.Pending, "PAYMENT.AUTHORIZATION.VOIDED": payment.Canceled,
		"CUSTOMER.DISPUTE.CREATED": payment.DisputeOpened, "CUSTOMER.DISPUTE.UPDATED": payment.DisputeUpdated, "CUSTOMER.DISPUTE.RESOLVED": payment.DisputeClosed,
		"payment.created": payment.Pending, "payment.updated": payment.Succeeded, "refund.created": payment.RefundUpdated, "refund.updated": payment.PartiallyRefunded,
		"dispute.created": payment.DisputeOpened, "dispute.state.updated": payment.DisputeClosed,
	}
	for provider, types := range samples.EventTypes {
		for _, eventType := range types {
			t.Run(provider+" "+eventType, func(t *testing.T) {
				is := is.New(t)
				body, id, err := samples.Build(provider, eventType, samples.Options{PaymentID: "PAY-1", Amount: 1999, Currency: "eur"})
				is.NoErr(err)
				expected, ok := want[eventType]
				if provider == "standard" {
					expected, ok = payment.Type(eventType), true
				}
				is.True(ok)
				e, err := payment.Normalize(payment.Delivery{Provider: provider, EventID: id, EventType: eventType, Body: body, OccurredAt: time.Now()})
				is.NoErr(err)
				is.Equal(e.Type, expected)
				is.Equal(e.PaymentID, "PAY-1")
				is.Equal(e.AmountMinor, int64(1999))
				is.Equal(e.Currency, "EUR")
			})
		}
	}
}

func TestUnknownTypesListWhatIsKnown(t *testing.T) {
	is := is.New(t)
	_, _, err := samples.Build("stripe", "customer.created", samples.Options{})
	is.True(strings.Contains(err.Error(), "payment_intent.succeeded"))
	_, _, err = samples.Build("adyen", "AUTHORISATION", samples.Options{})
	is.True(err != nil)
}

func TestEventIDsAreFreshUnlessGiven(t *testing.T) {
	is := is.New(t)
	_, first, _ := samples.Build("stripe", "charge.succeeded", samples.Options{})
	_, second, _ := samples.Build("stripe", "charge.succeeded", samples.Options{})
	is.True(first != second)
	_, given, _ := samples.Build("stripe", "charge.succeeded", samples.Options{EventID: "evt_given"})
	is.Equal(given, "evt_given")
}
