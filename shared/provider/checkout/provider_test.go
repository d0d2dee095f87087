package checkout_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/providertest"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/checkout"
)

func TestContract(t *testing.T) {
	providertest.Run(t, checkout.Provider, providertest.Contract{Types: map[string]payment.Type{
		"payment_captured": payment.Succeeded, "payment_approved": payment.Pending, "payment_declined": payment.Failed, "payment_voided": payment.Canceled,
		"payment_refunded": payment.PartiallyRefunded, "payment_refund_declined": payment.RefundUpdated,
		"dispute_evidence_required": payment.DisputeOpened, "dispute_won": payment.DisputeClosed, "dispute_lost": payment.DisputeClosed,
	}})
}

// normalize maps a stored webhook as the processor does.
func normalize(eventID, eventType string, body []byte, at time.Time) (payment.Event, error) {
	d := payment.Delivery{Provider: checkout.Name, EventID: eventID, EventType: eventType, Body: body, OccurredAt: at}
	e, err := checkout.Provider.Normalize(d)
	if err != nil {
		return payment.Event{}, err
	}
	return payment.Complete(e, d)
}

// docsBody is one of Checkout.com's documented examples in testdata/bodies.
func docsBody(t *testing.T, name string) []byte {
	t.Helper()
	body, err := os.ReadFile("testdata/bodies/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// paymentEvent and disputeEvent are shaped like Checkout.com's documented
// examples, for the types whose example is not in testdata.
func paymentEvent(eventType, data string) string {
	return `{"id":"evt_z5w4pkadoi3u5hu5lmlklwrxla","type":"` + eventType + `","version":"1.0.29","created_on":"2023-05-24T09:27:48.586796Z","data":` + data + `,"_links":{"self":{"href":"https://api.checkout.com/workflows/events/evt_z5w4pkadoi3u5hu5lmlklwrxla"}}}`
}

func disputeEvent(eventType, data string) string {
	return `{"id":"evt_b6anegml5j6u7kwzuzdg6r4sem","type":"` + eventType + `","version":"1.2.0","created_on":"2025-12-15T15:20:32.582+00:00","data":` + data + `}`
}

const (
	paymentData = `{"id":"pay_y3oqhf46pyzuxjbcn2giaqnb44","action_id":"act_y3oqhf46pyzuxjbcn2giaqnb44","reference":"ORD-5023-4E89","amount":6540,"currency":"USD","customer":{"id":"cus_m3cixs4slzcelfjmdcodlgyvkq","email":"john.smith@example.com","name":"John Smith"},"response_code":"10000","response_summary":"Approved","processed_on":"2023-05-24T09:27:47.0891199Z"}`
	disputeData = `{"id":"dsp_9rjdlsd4epepfjyyf9vl","date":"2022-12-15T15:20:31.5042702+00:00","category":"fraudulent","amount":8150,"currency":"GBP","reason_code":"10.4","payment_id":"pay_cnhuomagalglgozxy5zm","payment_action_id":"act_7B15779D173D0W45700D","payment_reference":"Disputes QA","payment_method":"VISA"}`

	// checkout.com/docs/previous/reporting-and-insights/webhooks/webhook-examples/dispute_won
	// and .../dispute_canceled: no amount at all.
	docsDisputeWon      = `{"id":"evt_viqdnpzvsp6etiquj2vedxkwda","type":"dispute_won","created_on":"2018-07-06T11:19:20Z","data":{"id":"dsp_9rjdlsd4epepfjyyf9vl","date":"2018-07-06T11:19:20Z","category":"canceled_recurring","payment_id":"pay_cnhuomagalglgozxy5zm","reference":"some-company-ref"},"_links":{"self":{"href":"http://localhost:5000/broadcast/events/evt_viqdnpzvsp6etiquj2vedxkwda"},"payment":{"href":"https://api.checkout.com/payments/pay_cnhuomagalglgozxy5zm"},"dispute":{"href":"https://api.checkout.com/disputes/dsp_9rjdlsd4epepfjyyf9vl"}}}`
	docsDisputeCanceled = `{"id":"evt_3sje5vlx4xyerastskmavurofa","type":"dispute_canceled","created_on":"2018-07-10T11:01:53Z","data":{"id":"dsp_jfh5iqceqau0qw3ccf3p","date":"2018-07-10T11:01:53Z","category":"canceled_recurring","payment_id":"pay_qfln1shzuox5yq96gr7m"},"_links":{"self":{"href":"https://api.checkout.com/events/evt_3sje5vlx4xyerastskmavurofa"},"payment":{"href":"https://api.checkout.com/payments/pay_qfln1shzuox5yq96gr7m"},"dispute":{"href":"https://api.checkout.com/disputes/dsp_jfh5iqceqau0qw3ccf3p"}}}`
	// checkout.com/docs/four/workflows/webhook-event-types/dispute_resolved
	// and checkout.com/docs/workflows/webhook-event-types/dispute_arbitration_won.
	docsDisputeResolved       = `{"id":"evt_3tquhbz5ochermjr4xk4gicmva","type":"dispute_resolved","created_on":"2018-06-21T12:00:31Z","data":{"id":"dsp_9rjdlsd4epepfjyyf9vl","date":"2018-07-06T11:19:20Z","category":"canceled_recurring","amount":20020,"currency":"USD","reason_code":"10.4","resolved_reason":"already_refunded","payment_id":"pay_cnhuomagalglgozxy5zm","payment_action_id":"act_7B15779D173D0W45700D","payment_reference":"some-company-ref","payment_method":"Visa"},"_links":{"self":{"href":"https://api.checkout.com/workflows/events/evt_3tquhbz5ochermjr4xk4gicmva"},"subject":{"href":"https://api.checkout.com/workflows/events/subject/dsp_9rjdlsd4epepfjyyf9vl"}}}`
	docsDisputeArbitrationWon = `{"id":"evt_b6anegml5j6u7kwzuzdg6r4sem","type":"dispute_arbitration_won","created_on":"2018-06-21T12:00:31Z","data":{"id":"dsp_9rjdlsd4epepfjyyf9vl","date":"2018-07-06T11:19:20Z","category":"canceled_recurring","amount":20020,"currency":"USD","reason_code":"10.4","payment_id":"pay_cnhuomagalglgozxy5zm","payment_action_id":"act_7B15779D173D0W45700D","payment_reference":"some-company-ref","payment_method":"Visa"},"_links":{"self":{"href":"https://api.checkout.com/workflows/events/evt_b6anegml5j6u7kwzuzdg6r4sem"},"subject":{"href":"https://api.checkout.com/workflows/events/subject/dsp_9rjdlsd4epepfjyyf9vl"}}}`
	// Shaped like the legacy authentication_failed event whose amount is a
	// string (checkout-sdk-node's webhook tests and issue #408); not a
	// transcription.
	legacyAuthenticationFailed = `{"id":"evt_tdw5hx6o5g5upimvtknhuz7xcm","type":"authentication_failed","version":"2.0","created_on":"2020-04-24T11:50:11Z","data":{"session_id":"sid_y3oqhf46pyzuxjbcn2giaqnb441","amount":"1250","currency":"GBP","response_code":"50000","response_summary":"Authentication failed"}}`
)

const (
	payID     = "pay_y3oqhf46pyzuxjbcn2giaqnb44"
	disputeOn = "pay_cnhuomagalglgozxy5zm"
)

type mapping struct {
	name, eventType string
	// file names a documented example in testdata/bodies; body is inline.
	file, body string
	want       payment.Event
}

var mappings = []mapping{
	{"payment_approved (docs)", "payment_approved", "payment_approved.docs-excerpt.json", "", payment.Event{Type: payment.Pending, PaymentID: "pay_griq7wyqkggu7mnk7ecm6ysrl4", AmountMinor: 20, Currency: "USD"}},
	{"payment_captured (docs, timestamp)", "payment_captured", "payment_captured.docs-excerpt.json", "", payment.Event{Type: payment.Succeeded, PaymentID: "pay_vti5layihapu5bhbn5tjtk6eem", CaptureID: "act_uqlj3642dyyuroivzdwfg2fysq", AmountMinor: 20, Currency: "EUR"}},
	{"payment_declined (docs)", "payment_declined", "payment_declined.docs-excerpt.json", "", payment.Event{Type: payment.Failed, PaymentID: "pay_do6kcxcq4pwehkbrupwnohnbyq", AmountMinor: 40000, Currency: "EUR"}},
	{"payment_voided (docs)", "payment_voided", "payment_voided.docs.json", "", payment.Event{Type: payment.Canceled, PaymentID: "pay_pttrzqqc7pduvau7bk2tgi2nly", AmountMinor: 20, Currency: "EUR"}},
	{"payment_refunded (docs)", "payment_refunded", "payment_refunded.docs-excerpt.json", "", payment.Event{Type: payment.PartiallyRefunded, PaymentID: "pay_234iojjumr4ejphuvcsnpnugs4", AmountMinor: 40000, Currency: "EUR",
		RefundID: "act_v3ap4uxinl6exk5hdgetatbywi", RefundStatus: payment.RefundSucceeded}},
	{"payment_refund_declined (docs)", "payment_refund_declined", "payment_refund_declined.docs.json", "", payment.Event{Type: payment.RefundUpdated, PaymentID: "pay_awlo4m4phelezkhsj4egc6d35q", AmountMinor: 3737, Currency: "EUR",
		RefundID: "act_rzy3fxofo3lufmjzaismfzjiae", RefundStatus: payment.RefundFailed}},
	{"dispute_evidence_required (docs)", "dispute_evidence_required", "dispute_evidence_required.docs-excerpt.json", "", payment.Event{Type: payment.DisputeOpened, PaymentID: disputeOn, AmountMinor: 8150, Currency: "GBP", DisputeStatus: "evidence_required"}},
	{"dispute_lost (docs, timestamp)", "dispute_lost", "dispute_lost.docs.json", "", payment.Event{Type: payment.DisputeClosed, PaymentID: disputeOn, AmountMinor: 8150, Currency: "GBP", DisputeStatus: "lost", DisputeOutcome: payment.DisputeLost}},
	{"dispute_won (docs, no amount)", "dispute_won", "", docsDisputeWon, payment.Event{Type: payment.DisputeClosed, PaymentID: disputeOn, DisputeStatus: "won", DisputeOutcome: payment.DisputeWon}},
	{"dispute_canceled (docs): closed, nobody said who won", "dispute_canceled", "", docsDisputeCanceled, payment.Event{Type: payment.DisputeClosed, PaymentID: "pay_qfln1shzuox5yq96gr7m", DisputeStatus: "canceled"}},
	{"dispute_resolved (docs): closed, nobody said who won", "dispute_resolved", "", docsDisputeResolved, payment.Event{Type: payment.DisputeClosed, PaymentID: disputeOn, AmountMinor: 20020, Currency: "USD", DisputeStatus: "resolved"}},
	{"dispute_arbitration_won (docs)", "dispute_arbitration_won", "", docsDisputeArbitrationWon, payment.Event{Type: payment.DisputeClosed, PaymentID: disputeOn, AmountMinor: 20020, Currency: "USD", DisputeStatus: "arbitration_won", DisputeOutcome: payment.DisputeWon}},

	{"payment_pending", "payment_pending", "", paymentEvent("payment_pending", paymentData), payment.Event{Type: payment.Pending, PaymentID: payID, AmountMinor: 6540, Currency: "USD"}},
	{"payment_capture_declined", "payment_capture_declined", "", paymentEvent("payment_capture_declined", paymentData), payment.Event{Type: payment.Failed, PaymentID: payID, AmountMinor: 6540, Currency: "USD"}},
	{"payment_expired", "payment_expired", "", paymentEvent("payment_expired", paymentData), payment.Event{Type: payment.Canceled, PaymentID: payID, AmountMinor: 6540, Currency: "USD"}},
	{"payment_canceled", "payment_canceled", "", paymentEvent("payment_canceled", paymentData), payment.Event{Type: payment.Canceled, PaymentID: payID, AmountMinor: 6540, Currency: "USD"}},
	{"payment_refund_pending", "payment_refund_pending", "", paymentEvent("payment_refund_pending", paymentData), payment.Event{Type: payment.RefundUpdated, PaymentID: payID, AmountMinor: 6540, Currency: "USD",
		RefundID: "act_y3oqhf46pyzuxjbcn2giaqnb44", RefundStatus: payment.RefundPending}},
	{"payment_refunded without an action id is its own refund", "payment_refunded", "", paymentEvent("payment_refunded", `{"id":"pay_y3oqhf46pyzuxjbcn2giaqnb44","amount":100,"currency":"USD"}`), payment.Event{Type: payment.PartiallyRefunded, PaymentID: payID, AmountMinor: 100, Currency: "USD",
		RefundStatus: payment.RefundSucceeded}},
	{"payment_captured with the amount as a string", "payment_captured", "", paymentEvent("payment_captured", `{"id":"pay_y3oqhf46pyzuxjbcn2giaqnb44","amount":"1250","currency":"GBP"}`), payment.Event{Type: payment.Succeeded, PaymentID: payID, AmountMinor: 1250, Currency: "GBP"}},
	{"payment_captured in a three-decimal currency", "payment_captured", "", paymentEvent("payment_captured", `{"id":"pay_y3oqhf46pyzuxjbcn2giaqnb44","amount":12345,"currency":"BHD"}`), payment.Event{Type: payment.Succeeded, PaymentID: payID, AmountMinor: 12345, Currency: "BHD"}},
	{"payment_chargeback (legacy)", "payment_chargeback", "", paymentEvent("payment_chargeback", paymentData), payment.Event{Type: payment.DisputeOpened, PaymentID: payID, AmountMinor: 6540, Currency: "USD", DisputeStatus: "chargeback"}},
	{"dispute_received", "dispute_received", "", disputeEvent("dispute_received", disputeData), payment.Event{Type: payment.DisputeOpened, PaymentID: disputeOn, AmountMinor: 8150, Currency: "GBP", DisputeStatus: "received"}},
	{"dispute_evidence_submitted", "dispute_evidence_submitted", "", disputeEvent("dispute_evidence_submitted", disputeData), payment.Event{Type: payment.DisputeUpdated, PaymentID: disputeOn, AmountMinor: 8150, Currency: "GBP", DisputeStatus: "evidence_submitted"}},
	{"dispute_evidence_acknowledged_by_scheme", "dispute_evidence_acknowledged_by_scheme", "", disputeEvent("dispute_evidence_acknowledged_by_scheme", disputeData), payment.Event{Type: payment.DisputeUpdated, PaymentID: disputeOn, AmountMinor: 8150, Currency: "GBP", DisputeStatus: "evidence_acknowledged_by_scheme"}},
	{"dispute_arbitration_sent_to_scheme", "dispute_arbitration_sent_to_scheme", "", disputeEvent("dispute_arbitration_sent_to_scheme", disputeData), payment.Event{Type: payment.DisputeUpdated, PaymentID: disputeOn, AmountMinor: 8150, Currency: "GBP", DisputeStatus: "arbitration_sent_to_scheme"}},
	{"dispute_expired: no response in time", "dispute_expired", "", disputeEvent("dispute_expired", disputeData), payment.Event{Type: payment.DisputeClosed, PaymentID: disputeOn, AmountMinor: 8150, Currency: "GBP", DisputeStatus: "expired", DisputeOutcome: payment.DisputeLost}},
	{"dispute_accepted", "dispute_accepted", "", disputeEvent("dispute_accepted", disputeData), payment.Event{Type: payment.DisputeClosed, PaymentID: disputeOn, AmountMinor: 8150, Currency: "GBP", DisputeStatus: "accepted", DisputeOutcome: payment.DisputeLost}},
	{"dispute_arbitration_lost", "dispute_arbitration_lost", "", disputeEvent("dispute_arbitration_lost", disputeData), payment.Event{Type: payment.DisputeClosed, PaymentID: disputeOn, AmountMinor: 8150, Currency: "GBP", DisputeStatus: "arbitration_lost", DisputeOutcome: payment.DisputeLost}},

	{"payment_paid (a payout) is other", "payment_paid", "", paymentEvent("payment_paid", paymentData), payment.Event{Type: payment.Other, PaymentID: payID, AmountMinor: 6540, Currency: "USD"}},
	{"payment_capture_pending is other", "payment_capture_pending", "", paymentEvent("payment_capture_pending", paymentData), payment.Event{Type: payment.Other, PaymentID: payID, AmountMinor: 6540, Currency: "USD"}},
	{"card_verified is other", "card_verified", "", paymentEvent("card_verified", paymentData), payment.Event{Type: payment.Other}},
	{"source_updated is other", "source_updated", "", paymentEvent("source_updated", `{"id":"src_wmlfc3zyhqzehihu7giusaaawu","type":"card","customer":{"email":"john.smith@example.com"}}`), payment.Event{Type: payment.Other}},
	{"authentication_failed (legacy, string amount) is other", "authentication_failed", "", legacyAuthenticationFailed, payment.Event{Type: payment.Other}},
}

func (m mapping) payload(t *testing.T) []byte {
	if m.file != "" {
		return docsBody(t, m.file)
	}
	return []byte(m.body)
}

func TestNormalize(t *testing.T) {
	occurred := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for _, m := range mappings {
		t.Run(m.name, func(t *testing.T) {
			is := is.New(t)
			got, err := normalize("evt-1", m.eventType, m.payload(t), occurred)
			is.NoErr(err)
			want := m.want
			want.Provider, want.EventID, want.ProviderType, want.OccurredAt = checkout.Name, "evt-1", m.eventType, occurred
			is.Equal(got, want)
		})
	}
}

func TestUnprocessablePayloads(t *testing.T) {
	for _, tc := range []struct{ name, eventType, body string }{
		{"not JSON", "payment_captured", `{`},
		{"data not an object", "payment_captured", paymentEvent("payment_captured", `"pay_y3oqhf46pyzuxjbcn2giaqnb44"`)},
		{"a payment event without a payment id", "payment_captured", paymentEvent("payment_captured", `{"action_id":"act_1","amount":100,"currency":"USD"}`)},
		{"a dispute event without its payment id", "dispute_lost", disputeEvent("dispute_lost", `{"id":"dsp_9rjdlsd4epepfjyyf9vl","amount":100,"currency":"USD"}`)},
		{"a fractional amount", "payment_captured", paymentEvent("payment_captured", `{"id":"pay_1","amount":20.5,"currency":"USD"}`)},
		{"an amount in exponent form", "payment_captured", paymentEvent("payment_captured", `{"id":"pay_1","amount":2e3,"currency":"USD"}`)},
		{"a negative amount", "payment_refunded", paymentEvent("payment_refunded", `{"id":"pay_1","action_id":"act_1","amount":-20,"currency":"USD"}`)},
		{"a decimal string amount", "payment_captured", paymentEvent("payment_captured", `{"id":"pay_1","amount":"20.00","currency":"USD"}`)},
		{"an empty string amount", "payment_captured", paymentEvent("payment_captured", `{"id":"pay_1","amount":"","currency":"USD"}`)},
		{"an amount beyond int64", "payment_captured", paymentEvent("payment_captured", `{"id":"pay_1","amount":99999999999999999999,"currency":"USD"}`)},
		{"an amount of another type", "payment_captured", paymentEvent("payment_captured", `{"id":"pay_1","amount":{"value":20},"currency":"USD"}`)},
		{"a currency that is no code", "payment_captured", paymentEvent("payment_captured", `{"id":"pay_1","amount":20,"currency":"EURO"}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			_, err := normalize("evt-1", tc.eventType, []byte(tc.body), time.Now())
			is.True(errors.Is(err, payment.ErrUnprocessable))
			is.True(!strings.Contains(err.Error(), "pay_1")) // errors never quote the payload
		})
	}
}

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func applyAll(t *testing.T, events ...[3]string) payment.State {
	t.Helper()
	var s payment.State
	for i, ev := range events {
		e, err := normalize(ev[0], ev[1], []byte(ev[2]), t0.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		s, _ = s.Apply(e)
	}
	return s
}

func action(id string, amount string) string {
	return `{"id":"pay_y3oqhf46pyzuxjbcn2giaqnb44","action_id":"` + id + `","amount":` + amount + `,"currency":"EUR"}`
}

// Each payment_refunded is one refund action: the state adds them up by
// action id, counts an action reported twice once, and sees the payment
// refunded when they reach its amount.
func TestRefundsAddUpByActionID(t *testing.T) {
	is := is.New(t)
	s := applyAll(t,
		[3]string{"evt_1", "payment_captured", paymentEvent("payment_captured", action("act_capture", "2000"))},
		[3]string{"evt_2", "payment_refunded", paymentEvent("payment_refunded", action("act_refund1", "500"))},
		[3]string{"evt_3", "payment_refund_pending", paymentEvent("payment_refund_pending", action("act_refund2", "1500"))},
		[3]string{"evt_4", "payment_refunded", paymentEvent("payment_refunded", action("act_refund1", "500"))},
	)
	is.Equal(s.RefundedMinor, int64(500))
	is.Equal(s.Status, payment.StatusPartiallyRefunded)

	s = applyAll(t,
		[3]string{"evt_1", "payment_captured", paymentEvent("payment_captured", action("act_capture", "2000"))},
		[3]string{"evt_2", "payment_refunded", paymentEvent("payment_refunded", action("act_refund1", "500"))},
		[3]string{"evt_3", "payment_refund_pending", paymentEvent("payment_refund_pending", action("act_refund2", "1500"))},
		[3]string{"evt_4", "payment_refunded", paymentEvent("payment_refunded", action("act_refund2", "1500"))},
	)
	is.Equal(s.RefundedMinor, int64(2000))
	is.Equal(s.Status, payment.StatusRefunded)
}

func TestADeclinedRefundMovesNoMoney(t *testing.T) {
	is := is.New(t)
	s := applyAll(t,
		[3]string{"evt_1", "payment_captured", paymentEvent("payment_captured", action("act_capture", "2000"))},
		[3]string{"evt_2", "payment_refund_pending", paymentEvent("payment_refund_pending", action("act_refund1", "2000"))},
		[3]string{"evt_3", "payment_refund_declined", paymentEvent("payment_refund_declined", action("act_refund1", "2000"))},
	)
	is.Equal(s.RefundedMinor, int64(0))
	is.Equal(s.Status, payment.StatusSucceeded)
}

// A lost dispute taken to arbitration and won ends won: the update that
// it went to the scheme cannot reopen it, the arbitration's close can.
func TestALostDisputeWonInArbitrationEndsWon(t *testing.T) {
	is := is.New(t)
	s := applyAll(t,
		[3]string{"evt_1", "dispute_evidence_required", disputeEvent("dispute_evidence_required", disputeData)},
		[3]string{"evt_2", "dispute_lost", disputeEvent("dispute_lost", disputeData)},
		[3]string{"evt_3", "dispute_arbitration_sent_to_scheme", disputeEvent("dispute_arbitration_sent_to_scheme", disputeData)},
		[3]string{"evt_4", "dispute_arbitration_won", disputeEvent("dispute_arbitration_won", disputeData)},
	)
	is.Equal(s.Dispute, payment.DisputeWon)
	is.Equal(s.DisputeStatus, "arbitration_won")
}

func TestSampleOfAnUnknownTypeIsAboutNoPayment(t *testing.T) {
	is := is.New(t)
	keys := providertest.DevelopmentKeys(t, checkout.Provider)
	d, id := providertest.SignedSample(t, checkout.Provider, "payhook.smoke", keys)
	e := providertest.Process(t, checkout.Provider, provider.Config{}, d, keys, id)
	is.Equal(e.Type, payment.Other)
	is.Equal(e.PaymentID, "")
}

func FuzzNormalize(f *testing.F) {
	for _, m := range mappings {
		if m.body != "" {
			f.Add(m.eventType, []byte(m.body))
		}
	}
	f.Add("payment_refunded", []byte(`{"data":{"id":"pay_1","amount":"-1","currency":"EUR"}}`))
	f.Add("dispute_won", []byte(`{"data":{"payment_id":"pay_1","amount":"18446744073709551616"}}`))
	f.Fuzz(func(t *testing.T, eventType string, body []byte) {
		providertest.CheckFuzzedNormalize(t, checkout.Provider, eventType, body)
	})
}

// Captured in two parts, then one part refunded: the payment is partly
// refunded, not refunded in full.
func TestPartialCapturesThenARefundOfOne(t *testing.T) {
	is := is.New(t)
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	event := func(id, eventType, data string, after time.Duration) payment.Event {
		body := fmt.Sprintf(`{"id":%q,"type":%q,"created_on":%q,"data":%s}`, id, eventType, at.Add(after).Format(time.RFC3339), data)
		d := payment.Delivery{Provider: checkout.Name, EventID: id, EventType: eventType, Body: []byte(body), OccurredAt: at.Add(after)}
		e, err := checkout.Provider.Normalize(d)
		is.NoErr(err)
		e, err = payment.Complete(e, d)
		is.NoErr(err)
		return e
	}
	var s payment.State
	for _, e := range []payment.Event{
		event("evt_1", "payment_approved", `{"id":"pay_1","action_id":"act_auth","amount":10000,"currency":"EUR"}`, 0),
		event("evt_2", "payment_captured", `{"id":"pay_1","action_id":"act_cap1","amount":3000,"currency":"EUR"}`, time.Minute),
		event("evt_3", "payment_captured", `{"id":"pay_1","action_id":"act_cap2","amount":7000,"currency":"EUR"}`, 2*time.Minute),
		event("evt_4", "payment_refunded", `{"id":"pay_1","action_id":"act_ref1","amount":7000,"currency":"EUR"}`, 3*time.Minute),
	} {
		s, _ = s.Apply(e)
	}
	is.Equal(s.AmountMinor, int64(10000))
	is.Equal(s.Status, payment.StatusPartiallyRefunded)
}
