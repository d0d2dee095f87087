package paddle_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/providertest"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/paddle"
)

func TestContract(t *testing.T) {
	providertest.Run(t, paddle.Provider, providertest.Contract{Types: map[string]payment.Type{
		"transaction.completed": payment.Succeeded, "transaction.paid": payment.Succeeded, "transaction.created": payment.Pending,
		"transaction.ready": payment.Pending, "transaction.billed": payment.Pending, "transaction.payment_failed": payment.Failed,
		"transaction.past_due": payment.Failed, "transaction.canceled": payment.Canceled,
		"adjustment.created": payment.RefundUpdated, "adjustment.updated": payment.PartiallyRefunded,
		"subscription.created": payment.Other, "subscription.canceled": payment.Other,
	}})
}

func TestDescriptor(t *testing.T) {
	is := is.New(t)
	is.Equal(paddle.Provider.Redelivery, 72*time.Hour) // live accounts: up to 60 attempts over 3 days
	is.True(paddle.Provider.Settings[0].List)          // several secret keys during a rotation
	for _, s := range paddle.Provider.Settings[1:] {
		is.True(s.Optional) // the API's settings, for reconciliation
	}
	is.Equal(paddle.Provider.APISettings(), []string{paddle.APIKey, paddle.APIURL, paddle.Sandbox})
}

func TestSettingRefusesWhatCouldNeverMatch(t *testing.T) {
	check := paddle.Provider.Settings[0].Check
	for _, value := range []string{"", " pdl_ntfset_1", "pdl_ntfset_1\n", "pdl_ntfset_1\r", "pdl ntfset", "pdl_ntfset_1\x00"} {
		err := check(value)
		is.New(t).True(err != nil)
		is.New(t).True(strings.TrimSpace(value) == "" || !strings.Contains(err.Error(), strings.TrimSpace(value))) // the error never quotes the value
	}
	// The key is an opaque string to the HMAC: the SDKs' test keys pass,
	// whatever their prefix.
	for _, value := range []string{sdkSecret, "pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_TjIG2BXbm83HPXqNfziwe506sBEdqL/4", "VALID_SECRET"} {
		is.New(t).NoErr(check(value))
	}
}

func TestDevelopmentKeysAreShapedLikePaddles(t *testing.T) {
	is := is.New(t)
	keys, err := paddle.Provider.Development.Keys("http://localhost:8080")
	is.NoErr(err)
	is.True(regexp.MustCompile(`^pdl_ntfset_01[0-9a-z]{24}_[A-Za-z0-9+/]{32}$`).MatchString(keys[paddle.SecretKeys]))
	again, _ := paddle.Provider.Development.Keys("http://localhost:8080")
	is.True(again[paddle.SecretKeys] != keys[paddle.SecretKeys]) // fresh each time
}

// process maps a stored notification as the processor does.
func process(eventType string, body []byte) (payment.Event, error) {
	d := payment.Delivery{Provider: paddle.Name, EventID: "evt-1", EventType: eventType, Body: body, OccurredAt: occurred}
	e, err := paddle.Provider.Normalize(d)
	if err != nil {
		return payment.Event{}, err
	}
	return payment.Complete(e, d)
}

var occurred = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

type mapping struct {
	name, eventType string
	body            []byte
	want            payment.Event
}

// example is one of Paddle's documented notifications in testdata/examples
// (see ORIGIN.md), with each of edits (old, new, old, new, ...) made once.
func example(t testing.TB, name string, edits ...string) []byte {
	t.Helper()
	body := string(readFile(t, "testdata/examples/"+name+".json"))
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(body, edits[i]) {
			t.Fatalf("%s has no %q", name, edits[i])
		}
		body = strings.Replace(body, edits[i], edits[i+1], 1)
	}
	return []byte(body)
}

// The adjustment examples' fields, as the edits below change them.
const (
	refundAction  = `"action": "refund"`
	partial       = `"action": "refund",` + "\n    " + `"type": "partial"`
	pendingStatus = `"status": "pending_approval"`
	approved      = `"status": "approved"`
)

const (
	failedTxn    = "txn_01h8dzxgkvdwemdhbpcapj2tbj"
	adjustedTxn  = "txn_01h8bxpvx398a7zbawb77y0kp5"
	adjustmentID = "adj_01h8c6tbrkpdd7vx61w7b1r0ap"
)

func mappings(t testing.TB) []mapping {
	failed := func(status string) []byte {
		return example(t, "transaction-payment-failed", `"status": "ready"`, `"status": "`+status+`"`)
	}
	chargeback := func(action string) []byte {
		return example(t, "adjustment-updated", refundAction, `"action": "`+action+`"`)
	}
	return []mapping{
		{"transaction.completed", "transaction.completed", example(t, "transaction-completed"), payment.Event{Type: payment.Succeeded, PaymentID: failedTxn, AmountMinor: 65215, Currency: "USD"}},
		{"transaction.paid", "transaction.paid", example(t, "transaction-paid"), payment.Event{Type: payment.Succeeded, PaymentID: "txn_01gxwxqj0rd5m8j1zdhvk05twz", AmountMinor: 89880, Currency: "GBP"}},
		{"transaction.payment_failed", "transaction.payment_failed", example(t, "transaction-payment-failed"), payment.Event{Type: payment.Failed, PaymentID: failedTxn, AmountMinor: 65215, Currency: "USD"}},
		{"transaction.past_due", "transaction.past_due", failed("past_due"), payment.Event{Type: payment.Failed, PaymentID: failedTxn, AmountMinor: 65215, Currency: "USD"}},
		{"transaction.canceled", "transaction.canceled", failed("canceled"), payment.Event{Type: payment.Canceled, PaymentID: failedTxn, AmountMinor: 65215, Currency: "USD"}},
		{"transaction.created", "transaction.created", failed("draft"), payment.Event{Type: payment.Pending, PaymentID: failedTxn, AmountMinor: 65215, Currency: "USD"}},
		{"transaction.ready", "transaction.ready", failed("ready"), payment.Event{Type: payment.Pending, PaymentID: failedTxn, AmountMinor: 65215, Currency: "USD"}},
		{"transaction.billed", "transaction.billed", failed("billed"), payment.Event{Type: payment.Pending, PaymentID: failedTxn, AmountMinor: 65215, Currency: "USD"}},
		{"transaction.updated is no news of a payment", "transaction.updated", example(t, "transaction-completed"), payment.Event{Type: payment.Other}},
		{"transaction.paid without totals yet", "transaction.paid", example(t, "transaction-paid", `"grand_total": "89880"`, `"grand_total": null`), payment.Event{Type: payment.Succeeded, PaymentID: "txn_01gxwxqj0rd5m8j1zdhvk05twz", Currency: "GBP"}},

		{"adjustment.created: a refund awaiting approval", "adjustment.created", example(t, "adjustment-created"), payment.Event{Type: payment.RefundUpdated, PaymentID: adjustedTxn, AmountMinor: 100, Currency: "USD", RefundID: adjustmentID, RefundStatus: payment.RefundPending}},
		{"adjustment.updated: the refund approved", "adjustment.updated", example(t, "adjustment-updated"), payment.Event{Type: payment.PartiallyRefunded, PaymentID: adjustedTxn, AmountMinor: 100, Currency: "USD", RefundID: adjustmentID, RefundStatus: payment.RefundSucceeded}},
		{"adjustment.updated: a full refund approved", "adjustment.updated", example(t, "adjustment-updated", partial, `"action": "refund", "type": "full"`), payment.Event{Type: payment.Refunded, PaymentID: adjustedTxn, AmountMinor: 100, Currency: "USD", RefundID: adjustmentID, RefundStatus: payment.RefundSucceeded}},
		{"adjustment.created: a full refund awaiting approval", "adjustment.created", example(t, "adjustment-created", partial, `"action": "refund", "type": "full"`), payment.Event{Type: payment.RefundUpdated, PaymentID: adjustedTxn, AmountMinor: 100, Currency: "USD", RefundID: adjustmentID, RefundStatus: payment.RefundPending}},
		{"adjustment.created: a refund approved at once", "adjustment.created", example(t, "adjustment-created", pendingStatus, approved), payment.Event{Type: payment.PartiallyRefunded, PaymentID: adjustedTxn, AmountMinor: 100, Currency: "USD", RefundID: adjustmentID, RefundStatus: payment.RefundSucceeded}},
		{"adjustment.updated: the refund rejected", "adjustment.updated", example(t, "adjustment-updated", approved, `"status": "rejected"`), payment.Event{Type: payment.RefundUpdated, PaymentID: adjustedTxn, AmountMinor: 100, Currency: "USD", RefundID: adjustmentID, RefundStatus: payment.RefundFailed}},
		{"adjustment.updated: the refund reversed", "adjustment.updated", example(t, "adjustment-updated", approved, `"status": "reversed"`), payment.Event{Type: payment.RefundUpdated, PaymentID: adjustedTxn, AmountMinor: 100, Currency: "USD", RefundID: adjustmentID, RefundStatus: payment.RefundFailed}},
		{"adjustment.updated: a refund in a status payhook does not know", "adjustment.updated", example(t, "adjustment-updated", approved, `"status": "on_hold"`), payment.Event{Type: payment.Other}},
		{"adjustment.updated: the currency only in the totals", "adjustment.updated", example(t, "adjustment-updated", `"currency_code": "USD",`+"\n    "+`"payout_totals"`, `"payout_totals"`), payment.Event{Type: payment.PartiallyRefunded, PaymentID: adjustedTxn, AmountMinor: 100, Currency: "USD", RefundID: adjustmentID, RefundStatus: payment.RefundSucceeded}},

		{"adjustment.created: a chargeback", "adjustment.created", chargeback("chargeback"), payment.Event{Type: payment.DisputeClosed, PaymentID: adjustedTxn, AmountMinor: 100, Currency: "USD", DisputeStatus: "chargeback", DisputeOutcome: payment.DisputeLost}},
		{"adjustment.created: a chargeback warning", "adjustment.created", chargeback("chargeback_warning"), payment.Event{Type: payment.DisputeOpened, PaymentID: adjustedTxn, AmountMinor: 100, Currency: "USD", DisputeStatus: "chargeback_warning"}},
		{"adjustment.created: a chargeback reversed", "adjustment.created", chargeback("chargeback_reverse"), payment.Event{Type: payment.DisputeClosed, PaymentID: adjustedTxn, AmountMinor: 100, Currency: "USD", DisputeStatus: "chargeback_reverse", DisputeOutcome: payment.DisputeWon}},
		{"adjustment.created: a chargeback warning withdrawn", "adjustment.created", chargeback("chargeback_warning_reverse"), payment.Event{Type: payment.DisputeClosed, PaymentID: adjustedTxn, AmountMinor: 100, Currency: "USD", DisputeStatus: "chargeback_warning_reverse", DisputeOutcome: payment.DisputeWon}},
		{"adjustment.created: a credit returns no money", "adjustment.created", chargeback("credit"), payment.Event{Type: payment.Other}},
		{"adjustment.created: a credit reversed", "adjustment.created", chargeback("credit_reverse"), payment.Event{Type: payment.Other}},

		{"subscription.created", "subscription.created", example(t, "subscription-created"), payment.Event{Type: payment.Other}},
		{"subscription.canceled", "subscription.canceled", example(t, "subscription-canceled"), payment.Event{Type: payment.Other}},
		{"subscription.past_due", "subscription.past_due", example(t, "subscription-canceled", `"status": "canceled"`, `"status": "past_due"`), payment.Event{Type: payment.Other}},
		{"price.created", "price.created", readFile(t, "testdata/bodies/go_price_created.json"), payment.Event{Type: payment.Other}},
		{"customer.created", "customer.created", readFile(t, "testdata/bodies/python_standard_payload.signed-bytes.json"), payment.Event{Type: payment.Other}},
	}
}

func TestNormalize(t *testing.T) {
	for _, m := range mappings(t) {
		t.Run(m.name, func(t *testing.T) {
			is := is.New(t)
			got, err := process(m.eventType, m.body)
			is.NoErr(err)
			want := m.want
			want.Provider, want.EventID, want.ProviderType, want.OccurredAt = paddle.Name, "evt-1", m.eventType, occurred
			is.Equal(got, want)
		})
	}
}

// A refund counts once, however many events tell of it, and a full one
// refunds the payment whatever the amounts say; a chargeback closes the
// dispute lost.
func TestRefundAndChargebackState(t *testing.T) {
	is := is.New(t)
	var s payment.State
	apply := func(eventType string, body []byte, id string, at time.Time) {
		t.Helper()
		d := payment.Delivery{Provider: paddle.Name, EventID: id, EventType: eventType, Body: body, OccurredAt: at}
		e, err := paddle.Provider.Normalize(d)
		is.NoErr(err)
		e, err = payment.Complete(e, d)
		is.NoErr(err)
		s, _ = s.Apply(e)
	}
	paid := example(t, "transaction-paid", "txn_01gxwxqj0rd5m8j1zdhvk05twz", adjustedTxn)
	apply("transaction.paid", paid, "evt-paid", occurred)
	apply("adjustment.created", example(t, "adjustment-created"), "evt-refund-asked", occurred.Add(time.Minute))
	is.Equal(s.Status, payment.StatusSucceeded)
	apply("adjustment.updated", example(t, "adjustment-updated"), "evt-refund-approved", occurred.Add(2*time.Minute))
	apply("adjustment.updated", example(t, "adjustment-updated"), "evt-refund-approved-again", occurred.Add(3*time.Minute))
	is.Equal(s.Status, payment.StatusPartiallyRefunded)
	is.Equal(s.RefundedMinor, int64(100))
	apply("adjustment.updated", example(t, "adjustment-updated", partial, `"action": "refund", "type": "full"`), "evt-refund-full", occurred.Add(4*time.Minute))
	is.Equal(s.Status, payment.StatusRefunded)
	apply("adjustment.created", example(t, "adjustment-updated", refundAction, `"action": "chargeback"`), "evt-chargeback", occurred.Add(5*time.Minute))
	is.Equal(s.Dispute, payment.DisputeLost)
}

func TestUnprocessablePayloads(t *testing.T) {
	for _, tc := range []struct {
		name, eventType string
		body            []byte
	}{
		{"not JSON", "transaction.completed", []byte(`{`)},
		{"a transaction event without data", "transaction.completed", []byte(`{"event_id":"evt_1","event_type":"transaction.completed"}`)},
		{"a transaction event with data of another shape", "transaction.completed", []byte(`{"data":[]}`)},
		{"a transaction without its id", "transaction.completed", example(t, "transaction-completed", `"id": "txn_01h8dzxgkvdwemdhbpcapj2tbj"`, `"origin_id": "txn_01h8dzxgkvdwemdhbpcapj2tbj"`)},
		{"a decimal grand total", "transaction.completed", example(t, "transaction-completed", `"grand_total": "65215"`, `"grand_total": "652.15"`)},
		{"a negative grand total", "transaction.completed", example(t, "transaction-completed", `"grand_total": "65215"`, `"grand_total": "-65215"`)},
		{"a signed grand total", "transaction.completed", example(t, "transaction-completed", `"grand_total": "65215"`, `"grand_total": "+65215"`)},
		{"a grand total in exponent form", "transaction.completed", example(t, "transaction-completed", `"grand_total": "65215"`, `"grand_total": "6.5215e4"`)},
		{"a grand total with a space", "transaction.completed", example(t, "transaction-completed", `"grand_total": "65215"`, `"grand_total": " 65215"`)},
		{"a grand total beyond int64", "transaction.completed", example(t, "transaction-completed", `"grand_total": "65215"`, `"grand_total": "99999999999999999999"`)},
		{"a grand total as a JSON number", "transaction.completed", example(t, "transaction-completed", `"grand_total": "65215"`, `"grand_total": 65215`)},
		{"a currency that is no code", "transaction.completed", example(t, "transaction-completed", `"currency_code": "USD",`+"\n    "+`"billing_period"`, `"currency_code": "US DOLLAR", "billing_period"`)},
		{"a refund of a decimal total", "adjustment.updated", example(t, "adjustment-updated", `"total": "100",`+"\n      "+`"earnings"`, `"total": "1.00", "earnings"`)},
		{"a refund without its transaction", "adjustment.updated", example(t, "adjustment-updated", `"transaction_id": "txn_01h8bxpvx398a7zbawb77y0kp5",`, ``)},
		{"a chargeback without its transaction", "adjustment.created", example(t, "adjustment-updated", refundAction, `"action": "chargeback"`, `"transaction_id": "txn_01h8bxpvx398a7zbawb77y0kp5",`, ``)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			_, err := process(tc.eventType, tc.body)
			is.True(errors.Is(err, payment.ErrUnprocessable))
			is.True(!strings.Contains(err.Error(), "652")) // never the payload's values
		})
	}
}

// A chargeback is an adjustment.* event like a refund, so it has no event
// type of its own to sample; SampleOptions.Status names it instead.
func TestSampleStatusOverrides(t *testing.T) {
	for _, tc := range []struct {
		eventType, status string
		want              payment.Event
	}{
		{"adjustment.created", "chargeback", payment.Event{Type: payment.DisputeClosed, DisputeStatus: "chargeback", DisputeOutcome: payment.DisputeLost}},
		{"adjustment.created", "chargeback_warning", payment.Event{Type: payment.DisputeOpened, DisputeStatus: "chargeback_warning"}},
		{"adjustment.updated", "chargeback_reverse", payment.Event{Type: payment.DisputeClosed, DisputeStatus: "chargeback_reverse", DisputeOutcome: payment.DisputeWon}},
		{"adjustment.updated", "rejected", payment.Event{Type: payment.RefundUpdated, RefundStatus: payment.RefundFailed}},
		{"adjustment.created", "approved", payment.Event{Type: payment.PartiallyRefunded, RefundStatus: payment.RefundSucceeded}},
		{"transaction.completed", "past_due", payment.Event{Type: payment.Succeeded}}, // the event type decides, not the status
	} {
		t.Run(tc.eventType+" "+tc.status, func(t *testing.T) {
			is := is.New(t)
			body, id, err := paddle.Provider.Development.Sample(tc.eventType, provider.SampleOptions{PaymentID: "txn_sample", Amount: 1500, Currency: "eur", Status: tc.status})
			is.NoErr(err)
			is.True(strings.Contains(string(body), `"status":"`+tc.status+`"`) || strings.Contains(string(body), `"action":"`+tc.status+`"`))
			envelopes, err := paddle.Verifier{}.Parse(provider.Delivery{Body: body})
			is.NoErr(err)
			is.Equal(envelopes[0].EventID, id)
			got, err := process(tc.eventType, body)
			is.NoErr(err)
			is.Equal(got.Type, tc.want.Type)
			is.Equal(got.PaymentID, "txn_sample")
			is.Equal(got.AmountMinor, int64(1500))
			is.Equal(got.Currency, "EUR")
			is.Equal(got.RefundStatus, tc.want.RefundStatus)
			is.Equal(got.DisputeStatus, tc.want.DisputeStatus)
			is.Equal(got.DisputeOutcome, tc.want.DisputeOutcome)
		})
	}
}

func TestSampleKeepsTheGivenIDs(t *testing.T) {
	is := is.New(t)
	at := time.Date(2026, 11, 27, 10, 0, 0, 123456000, time.UTC)
	body, id, err := paddle.Provider.Development.Sample("transaction.completed", provider.SampleOptions{EventID: "evt_given", PaymentID: "txn_given", At: at})
	is.NoErr(err)
	is.Equal(id, "evt_given")
	envelopes, err := paddle.Verifier{}.Parse(provider.Delivery{Body: body})
	is.NoErr(err)
	is.Equal(envelopes[0].OccurredAt, at)
	is.True(strings.Contains(string(body), `"cardholder_name":"Jo Williams"`)) // personal data, as Paddle sends it
	got, err := process("transaction.completed", body)
	is.NoErr(err)
	is.Equal(got.PaymentID, "txn_given")
	is.Equal(got.AmountMinor, int64(2000)) // the default 20.00 USD
	is.Equal(got.Currency, "USD")
}

// FuzzNormalize starts from the mappings' smaller bodies only: the fuzzer
// minimises each input it finds interesting, for up to a minute each on a
// 10 KB transaction, and then hardly fuzzes at all. Every type also starts
// from the fields a transaction's mapping reads.
func FuzzNormalize(f *testing.F) {
	for _, m := range mappings(f) {
		if len(m.body) <= 2048 {
			f.Add(m.eventType, m.body)
		}
	}
	for _, eventType := range paddle.Provider.Development.EventTypes() {
		f.Add(eventType, []byte(`{"event_id":"evt_1","event_type":"`+eventType+`","data":{"id":"txn_01h8dzxgkvdwemdhbpcapj2tbj","status":"paid","currency_code":"USD","details":{"totals":{"grand_total":"65215","currency_code":"USD"}}}}`))
	}
	f.Add("adjustment.updated", []byte(`{"data":{"action":"refund","status":"approved","type":"full","transaction_id":"txn_1","totals":{"total":"-1"}}}`))
	f.Add("transaction.paid", []byte(`{"data":{"id":"txn_1","details":{"totals":{"grand_total":"9223372036854775807"}}}}`))
	f.Fuzz(func(t *testing.T, eventType string, body []byte) {
		providertest.CheckFuzzedNormalize(t, paddle.Provider, eventType, body)
	})
}

// Paddle's event stream is ordered by id, and its ids are ULIDs: a sample's
// id sorts as its time does, as a real one would.
func TestSampleEventIDsSortAsTheirTimes(t *testing.T) {
	is := is.New(t)
	at := time.UnixMilli(1469922850259) // the ULID specification's example: 01ARZ3NDEK...
	_, first, err := paddle.Provider.Development.Sample("transaction.paid", provider.SampleOptions{At: at})
	is.NoErr(err)
	_, second, err := paddle.Provider.Development.Sample("transaction.paid", provider.SampleOptions{At: at.Add(time.Millisecond)})
	is.NoErr(err)
	is.Equal(first[:14], "evt_01arz3ndek")
	is.True(first < second)
	is.Equal(len(first), len("evt_")+26)
}
