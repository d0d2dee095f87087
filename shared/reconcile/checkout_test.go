//go:build !sandbox

package reconcile_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/checkout"
	"github.com/payhook/payhook/shared/reconcile"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/store"
)

// checkoutKeys points Checkout.com's API settings at the stand-ins.
func checkoutKeys(s *testenv.ProviderStandins) provider.Keys {
	return provider.Keys{checkout.AccessKeyID: {s.CheckoutKeyID}, checkout.AccessKeySecret: {s.CheckoutKeySecret}, checkout.APIURL: {s.CheckoutURL()}}
}

// checkoutDelivery is a sample Checkout.com delivery, and its event as
// Checkout.com's API holds it (GET /workflows/events/{id}): the same id,
// type, data and links, its time as timestamp, and its source.
func checkoutDelivery(t *testing.T, eventType string, o provider.SampleOptions) (delivery []byte, held json.RawMessage, id string) {
	t.Helper()
	body, id, err := samples.Build("checkout", eventType, o)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		t.Fatal(err)
	}
	fields["timestamp"], fields["source"] = fields["created_on"], json.RawMessage(`"gateway"`)
	delete(fields, "created_on")
	held, err = json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return body, held, id
}

// alter returns body with change made to its decoded fields.
func alter(t *testing.T, body []byte, change func(map[string]any)) []byte {
	t.Helper()
	var fields map[string]any
	if err := json.Unmarshal(body, &fields); err != nil {
		t.Fatal(err)
	}
	change(fields)
	altered, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return altered
}

// TestCheckoutConfirmsOnlyWhatCheckoutHoldsAsDelivered: with an access
// key set, a Checkout.com delivery is fetched by id from Checkout.com's
// (stand-in) API, with a token asked for the flow:events scope alone.
// Checkout.com's copy is what is processed; a delivery whose type or
// payment, amount or currency is not Checkout.com's differs; an id
// Checkout.com does not know is refused; Checkout.com unreachable is not
// a refusal.
func TestCheckoutConfirmsOnlyWhatCheckoutHoldsAsDelivered(t *testing.T) {
	standins := testenv.Standins(t)
	delivered, held, id := checkoutDelivery(t, "payment_captured", provider.SampleOptions{PaymentID: "pay_aaaaaaaaaaaaaaaaaaaaaaaaaa", Amount: 6540, Currency: "USD"})
	standins.Seed(t, "checkout", held)
	confirmation := &reconcile.Confirmation{Keys: func(context.Context) (provider.Keys, error) { return checkoutKeys(standins), nil }, API: api}
	webhook := func(body []byte, eventID string) store.Webhook {
		return store.Webhook{Provider: "checkout", EventID: eventID, EventType: "payment_captured", Body: body, Source: store.SourceWebhook}
	}
	cases := []struct {
		name    string
		body    []byte
		differs bool
		unknown bool
	}{
		{"as delivered", delivered, false, false},
		{"the same event re-encoded, with fields payhook does not read changed", alter(t, delivered, func(e map[string]any) {
			e["data"].(map[string]any)["reference"] = "ORD-ELSEWHERE"
		}), false, false},
		{"its amount changed", alter(t, delivered, func(e map[string]any) { e["data"].(map[string]any)["amount"] = 999999 }), true, false},
		{"its payment changed", alter(t, delivered, func(e map[string]any) { e["data"].(map[string]any)["id"] = "pay_bbbbbbbbbbbbbbbbbbbbbbbbbb" }), true, false},
		{"its currency changed", alter(t, delivered, func(e map[string]any) { e["data"].(map[string]any)["currency"] = "EUR" }), true, false},
		{"its type changed", alter(t, delivered, func(e map[string]any) { e["type"] = "payment_refunded" }), true, false},
		{"an id Checkout.com never sent", alter(t, delivered, func(e map[string]any) { e["id"] = "evt_zzzzzzzzzzzzzzzzzzzzzzzzzz" }), false, true},
		{"an id that is no event id", alter(t, delivered, func(e map[string]any) { e["id"] = "evt_../../payments" }), false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			var sent struct {
				ID string `json:"id"`
			}
			is.NoErr(json.Unmarshal(tc.body, &sent))
			confirmed, differs, err := confirmation.Confirm(context.Background(), webhook(tc.body, sent.ID))
			is.Equal(errors.Is(err, provider.ErrNotConfirmed), tc.unknown)
			if tc.unknown {
				return
			}
			is.NoErr(err)
			is.Equal(differs, tc.differs)
			is.Equal(string(confirmed.Body), string(held)) // Checkout.com's copy, whatever was delivered
			is.Equal(confirmed.EventType, "payment_captured")
		})
	}

	t.Run("the token asks for reading events only", func(t *testing.T) {
		is := is.New(t)
		tokens := requestsTo(t, standins, "/checkout/connect/token")
		is.Equal(len(tokens), 1) // one token, kept for every confirmation
		var form string
		is.NoErr(json.Unmarshal(tokens[0].Body, &form))
		query, err := url.ParseQuery(form)
		is.NoErr(err)
		is.Equal(query.Get("scope"), "flow:events")
		is.True(!strings.Contains(form, standins.CheckoutKeySecret)) // the secret goes as Basic authentication
		for _, r := range requestsTo(t, standins, "/checkout/workflows/events/"+id) {
			is.Equal(r.Validation, "passed")
		}
	})

	t.Run("Checkout.com unreachable is not a refusal", func(t *testing.T) {
		is := is.New(t)
		standins.Fault(t, "/checkout/workflows/events/", http.StatusServiceUnavailable, "", 10)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, _, err := confirmation.Confirm(ctx, webhook(delivered, id))
		is.True(err != nil)
		is.True(!errors.Is(err, provider.ErrNotConfirmed)) // failed for redrive, not refused as forged
		standins.ClearFaults(t)
	})

	t.Run("without an access key, or turned off, nothing is asked", func(t *testing.T) {
		is := is.New(t)
		for _, c := range []*reconcile.Confirmation{
			{Keys: func(context.Context) (provider.Keys, error) { return provider.Keys{}, nil }, API: api},
			{Keys: func(context.Context) (provider.Keys, error) { return checkoutKeys(standins), nil }, API: api, Confirming: map[string]bool{"paypal": true}},
		} {
			asked := len(standins.Requests(t))
			got, differs, err := c.Confirm(context.Background(), webhook(delivered, id))
			is.NoErr(err)
			is.True(!differs)
			is.Equal(string(got.Body), string(delivered))
			is.Equal(len(standins.Requests(t)), asked)
		}
	})
}

// TestCheckoutDeliveriesAreAppliedAsCheckoutHoldsThem: the processor, with
// a Checkout.com access key, applies a delivery Checkout.com knows as
// Checkout.com holds it (a forged amount raises checkout_event_differs
// and Checkout.com's amount is applied), and refuses one it does not
// know: FAILED on the dead-letter queue with a critical
// checkout_event_not_confirmed alert, nothing applied.
func TestCheckoutDeliveriesAreAppliedAsCheckoutHoldsThem(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	standins := testenv.Standins(t)
	p := newAskingProcessor(t, checkoutKeys(standins))

	genuine, held, genuineID := checkoutDelivery(t, "payment_captured", provider.SampleOptions{PaymentID: "pay_genuinegenuinegenuinegen", Amount: 6540, Currency: "USD"})
	standins.Seed(t, "checkout", held)
	forged, heldForged, forgedID := checkoutDelivery(t, "payment_captured", provider.SampleOptions{PaymentID: "pay_forgedforgedforgedforged", Amount: 1000, Currency: "USD"})
	standins.Seed(t, "checkout", heldForged)
	forged = alter(t, forged, func(e map[string]any) { e["data"].(map[string]any)["amount"] = 999999 })
	unknown, _, unknownID := checkoutDelivery(t, "payment_captured", provider.SampleOptions{PaymentID: "pay_unknownunknownunknownunk", Amount: 5000, Currency: "USD"})

	var batch events.DynamoDBEvent
	for _, body := range [][]byte{genuine, forged, unknown} {
		record, _ := storedBody(t, p.table, "checkout", body)
		batch.Records = append(batch.Records, record)
	}
	resp, err := p.processor.Handle(ctx, batch)
	is.NoErr(err)
	is.Equal(len(resp.BatchItemFailures), 0)

	state, err := p.table.GetPayment(ctx, "checkout", "pay_genuinegenuinegenuinegen")
	is.NoErr(err)
	is.Equal(state.AmountMinor, int64(6540))
	stored, err := p.table.GetWebhook(ctx, "checkout", genuineID)
	is.NoErr(err)
	is.Equal(string(stored.Body), string(held)) // Checkout.com's copy is what is kept

	state, err = p.table.GetPayment(ctx, "checkout", "pay_forgedforgedforgedforged")
	is.NoErr(err)
	is.Equal(state.AmountMinor, int64(1000)) // Checkout.com's amount, not the delivery's

	_, err = p.table.GetPayment(ctx, "checkout", "pay_unknownunknownunknownunk")
	is.True(errors.Is(err, store.ErrNotFound)) // nothing applied
	refused, err := p.table.GetWebhook(ctx, "checkout", unknownID)
	is.NoErr(err)
	is.Equal(refused.Status, store.StatusFailed)
	letters, err := p.dlq.Receive(ctx, 10)
	is.NoErr(err)
	is.Equal(len(letters), 1)

	kinds := map[string]string{}
	for _, a := range *p.alerts {
		kinds[a.EventID] = a.Kind
	}
	is.Equal(kinds, map[string]string{forgedID: "checkout_event_differs", unknownID: "checkout_event_not_confirmed"})
}

// Checkout.com lists nothing: with its access key set it is never among
// the scheduled sources, and `payhook reconcile checkout` says why.
func TestCheckoutIsNeverReconciled(t *testing.T) {
	is := is.New(t)
	keys := provider.Keys{checkout.AccessKeyID: {testenv.StandinCheckoutKeyID}, checkout.AccessKeySecret: {testenv.StandinCheckoutKeySecret}}
	is.Equal(len(reconcile.Sources(keys, api)), 0)
	_, err := reconcile.SourceFor("checkout", keys, api)
	is.True(err != nil)
	is.True(strings.Contains(err.Error(), "keeps no list of events"))
}
