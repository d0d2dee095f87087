package paddle

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/provider"
)

type development struct{}

func (development) EventTypes() []string {
	return []string{"transaction.completed", "transaction.paid", "transaction.created", "transaction.ready", "transaction.billed",
		"transaction.payment_failed", "transaction.past_due", "transaction.canceled",
		"adjustment.created", "adjustment.updated", "subscription.created", "subscription.canceled"}
}

// Keys is a secret key of the shape Paddle issues for a notification
// destination: pdl_ntfset_, the destination's id, and 32 random characters.
func (development) Keys(string) (map[string]string, error) {
	b := make([]byte, 24)
	rand.Read(b)
	return map[string]string{SecretKeys: "pdl_" + paddleID("ntfset_") + "_" + base64.RawStdEncoding.EncodeToString(b)}, nil
}

func (development) Sign(body []byte, keys provider.Keys, m provider.Message) (provider.Delivery, error) {
	secret := keys.Value(SecretKeys)
	if secret == "" {
		return provider.Delivery{}, provider.ErrNoSigningKey
	}
	h := provider.JSONHeader()
	h.Set(signatureHeader, Signature(body, secret, m.At))
	return provider.Delivery{Header: h, Body: body}, nil
}

// crockford is the alphabet of Paddle's ids, lower-case ULIDs.
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// paddleID is prefix and 26 characters, the shape of Paddle's ids
// (txn_01h8dzxgkvdwemdhbpcapj2tbj).
func paddleID(prefix string) string {
	b := make([]byte, 24)
	rand.Read(b)
	id := []byte("01")
	for _, c := range b {
		id = append(id, crockford[c%32])
	}
	return prefix + string(id)
}

// eventID is an event id as Paddle makes them: a lower-case ULID, whose
// first ten characters are the time in milliseconds, so that the event
// stream, ordered by id, is ordered by time.
func eventID(at time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(max(at.UnixMilli(), 0))<<16)
	rand.Read(b[6:])
	// 128 bits in 26 digits of 5 bits: the first digit holds 3.
	id := make([]byte, 0, 26)
	id = append(id, crockford[b[0]>>5])
	acc, bits := uint(b[0]&0x1f), 5
	for _, c := range b[1:] {
		acc, bits = acc<<8|uint(c), bits+8
		for bits >= 5 {
			bits -= 5
			id = append(id, crockford[acc>>bits&0x1f])
		}
	}
	return "evt_" + string(id)
}

// timeFormat is Paddle's: UTC with microseconds.
const timeFormat = "2006-01-02T15:04:05.000000Z07:00"

func at(t time.Time) string { return t.UTC().Format(timeFormat) }

type obj = map[string]any

// Sample builds a notification shaped like Paddle's documented examples
// (the Node SDK's notification mocks). SampleOptions.Status overrides the
// entity's status; for an adjustment it may instead name an action
// (chargeback, chargeback_warning, chargeback_reverse, credit, ...), which
// Paddle creates approved: a chargeback is an adjustment.* event like a
// refund, told apart only by its action.
func (development) Sample(eventType string, o provider.SampleOptions) ([]byte, string, error) {
	o = o.Complete()
	id := cmp.Or(o.EventID, eventID(o.At))
	txn := cmp.Or(o.PaymentID, paddleID("txn_"))
	data := obj{}
	switch {
	case strings.HasPrefix(eventType, "transaction."):
		data = transactionSample(strings.TrimPrefix(eventType, "transaction."), txn, o)
	case strings.HasPrefix(eventType, "adjustment."):
		data = adjustmentSample(eventType == "adjustment.created", txn, o)
	case strings.HasPrefix(eventType, "subscription."):
		data = subscriptionSample(strings.TrimPrefix(eventType, "subscription."), txn, o)
	}
	return provider.SampleJSON(obj{"event_id": id, "event_type": eventType, "occurred_at": at(o.At), "notification_id": paddleID("ntf_"), "data": data}, id)
}

// vat splits a gross amount into 20% VAT and the net amount.
func vat(gross int64) (net, tax int64) {
	return gross - gross/6, gross / 6
}

// amount is Paddle's form of an amount: a string of minor units.
func amount(minor int64) string { return strconv.FormatInt(minor, 10) }

var transactionStatus = map[string]string{"created": "draft", "ready": "ready", "billed": "billed", "paid": "paid", "completed": "completed",
	"payment_failed": "ready", "past_due": "past_due", "canceled": "canceled"}

func transactionSample(event, txn string, o provider.SampleOptions) obj {
	status := cmp.Or(o.Status, transactionStatus[event], "ready")
	net, tax := vat(o.Amount)
	collected := status == "paid" || status == "completed"
	var fee, earnings, billedAt any
	balance := o.Amount
	if collected {
		fee, earnings, balance = amount(o.Amount/20), amount(net-o.Amount/20), 0
	}
	if collected || status == "billed" {
		billedAt = at(o.At.Add(-time.Minute))
	}
	card := obj{"type": "card", "card": obj{"type": "visa", "last4": "4242", "expiry_month": 12, "expiry_year": 2030, "cardholder_name": "Jo Williams"},
		"paypal": nil, "south_korea_local_card": nil, "underlying_details": nil}
	payments := []obj{}
	switch {
	case collected:
		payments = append(payments, obj{"payment_attempt_id": "3e575fab-e1f2-4168-9ef7-3dd724f450a0", "stored_payment_method_id": "6fd9d503-085a-4af1-a562-f05d7217cdd2",
			"amount": amount(o.Amount), "status": "captured", "error_code": nil, "created_at": at(o.At.Add(-20 * time.Second)), "captured_at": at(o.At.Add(-10 * time.Second)), "method_details": card})
	case event == "payment_failed" || event == "past_due":
		payments = append(payments, obj{"payment_attempt_id": "3e575fab-e1f2-4168-9ef7-3dd724f450a0", "stored_payment_method_id": "6fd9d503-085a-4af1-a562-f05d7217cdd2",
			"amount": amount(o.Amount), "status": "error", "error_code": "declined", "created_at": at(o.At.Add(-10 * time.Second)), "captured_at": nil, "method_details": card})
	}
	price := priceSample(o, net)
	totals := obj{"subtotal": amount(net), "tax": amount(tax), "discount": "0", "total": amount(o.Amount), "credit": "0", "credit_to_balance": "0",
		"balance": amount(balance), "grand_total": amount(o.Amount), "grand_total_tax": amount(tax), "fee": fee, "earnings": earnings, "currency_code": o.Currency}
	lineTotals := obj{"subtotal": amount(net), "tax": amount(tax), "discount": "0", "total": amount(o.Amount)}
	return obj{"id": txn, "status": status, "customer_id": paddleID("ctm_"), "address_id": paddleID("add_"), "business_id": nil, "custom_data": nil,
		"origin": "web", "collection_mode": "automatic", "subscription_id": paddleID("sub_"), "invoice_id": nil, "invoice_number": nil, "discount_id": nil,
		"billing_details": nil, "billing_period": obj{"starts_at": at(o.At), "ends_at": at(o.At.AddDate(0, 1, 0))}, "currency_code": o.Currency,
		"created_at": at(o.At.Add(-5 * time.Minute)), "updated_at": at(o.At), "billed_at": billedAt,
		"items": []obj{{"price": price, "quantity": 1}},
		"details": obj{"totals": totals, "adjusted_totals": totals, "payout_totals": nil, "adjusted_payout_totals": nil,
			"tax_rates_used": []obj{{"tax_rate": "0.2", "totals": lineTotals}},
			"line_items": []obj{{"id": paddleID("txnitm_"), "price_id": price["id"], "quantity": 1, "tax_rate": "0.2", "totals": lineTotals, "unit_totals": lineTotals,
				"product": productSample()}}},
		"payments": payments,
		"checkout": obj{"url": "https://example.com/pay?_ptxn=" + txn}}
}

func priceSample(o provider.SampleOptions, net int64) obj {
	return obj{"id": "pri_01gsz8x8sawmvhz1pv30nge1ke", "product_id": "pro_01gsz4t5hdjse780zja8vvr7jg", "name": "Monthly (per seat)", "description": "Monthly (per seat)",
		"tax_mode": "account_setting", "status": "active", "unit_price": obj{"amount": amount(net), "currency_code": o.Currency},
		"billing_cycle": obj{"interval": "month", "frequency": 1}, "trial_period": nil, "quantity": obj{"minimum": 1, "maximum": 999}, "custom_data": nil}
}

func productSample() obj {
	return obj{"id": "pro_01gsz4t5hdjse780zja8vvr7jg", "name": "ChatApp Pro", "type": "standard", "tax_category": "standard", "status": "active",
		"image_url": nil, "custom_data": nil, "created_at": "2023-08-22T07:59:39.771451Z",
		"description": "Everything in basic, plus access to a suite of powerful tools and features designed to take your team's productivity to the next level."}
}

// adjustmentActions are what an adjustment does; Status may name one.
var adjustmentActions = map[string]bool{"refund": true, "credit": true, "credit_reverse": true,
	"chargeback": true, "chargeback_warning": true, "chargeback_reverse": true, "chargeback_warning_reverse": true}

// adjustmentSample is a partial refund of o.Amount: asked for when created,
// approved by Paddle when updated.
func adjustmentSample(created bool, txn string, o provider.SampleOptions) obj {
	action, status := "refund", "approved"
	if created {
		status = "pending_approval"
	}
	switch {
	case adjustmentActions[o.Status]:
		action, status = o.Status, "approved"
	case o.Status != "":
		status = o.Status
	}
	net, tax := vat(o.Amount)
	fee := o.Amount / 20
	totals := obj{"subtotal": amount(net), "tax": amount(tax), "total": amount(o.Amount), "fee": amount(fee), "earnings": amount(net - fee),
		"retained_fee": "0", "currency_code": o.Currency}
	updated := at(o.At)
	if created {
		updated = "0001-01-01T00:00:00Z" // as Paddle sends a fresh adjustment's
	}
	return obj{"id": paddleID("adj_"), "action": action, "type": "partial", "reason": "error", "status": status, "transaction_id": txn,
		"subscription_id": paddleID("sub_"), "customer_id": paddleID("ctm_"), "currency_code": o.Currency, "credit_applied_to_balance": nil,
		"items": []obj{{"id": paddleID("adjitm_"), "item_id": paddleID("txnitm_"), "type": "partial", "amount": amount(o.Amount), "proration": nil,
			"totals": obj{"subtotal": amount(net), "tax": amount(tax), "total": amount(o.Amount)}}},
		"totals": totals, "payout_totals": totals, "created_at": at(o.At.Add(-time.Minute)), "updated_at": updated}
}

var subscriptionStatus = map[string]string{"created": "active", "activated": "active", "updated": "active", "trialing": "trialing",
	"past_due": "past_due", "paused": "paused", "resumed": "active", "canceled": "canceled"}

// subscriptionSample is a monthly subscription of one seat at o.Amount; the
// one created names the transaction that started it.
func subscriptionSample(event, txn string, o provider.SampleOptions) obj {
	status := cmp.Or(o.Status, subscriptionStatus[event], "active")
	net, _ := vat(o.Amount)
	started := o.At.AddDate(0, -1, 0)
	sub := obj{"id": paddleID("sub_"), "status": status, "customer_id": paddleID("ctm_"), "address_id": paddleID("add_"), "business_id": nil,
		"currency_code": o.Currency, "collection_mode": "automatic", "custom_data": nil, "discount": nil, "billing_details": nil, "scheduled_change": nil,
		"billing_cycle": obj{"interval": "month", "frequency": 1}, "paused_at": nil, "canceled_at": nil,
		"created_at": at(started), "updated_at": at(o.At), "started_at": at(started), "first_billed_at": at(started),
		"next_billed_at": at(o.At.AddDate(0, 1, 0)), "current_billing_period": obj{"starts_at": at(o.At), "ends_at": at(o.At.AddDate(0, 1, 0))},
		"items": []obj{{"status": "active", "quantity": 1, "recurring": true, "price": priceSample(o, net), "product": productSample(),
			"created_at": at(started), "updated_at": at(o.At), "previously_billed_at": at(o.At), "next_billed_at": at(o.At.AddDate(0, 1, 0)), "trial_dates": nil}}}
	switch event {
	case "created":
		sub["transaction_id"] = txn
	case "canceled":
		sub["canceled_at"], sub["next_billed_at"], sub["current_billing_period"] = at(o.At), nil, nil
	}
	return sub
}
