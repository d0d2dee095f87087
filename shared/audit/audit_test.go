package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/forge"
	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/store"
)

type alerts []notify.Alert

func (a *alerts) Alert(_ context.Context, alert notify.Alert) error {
	*a = append(*a, alert)
	return nil
}

// A body full of what an audit trail must never hold.
const piiBody = `{"id":"evt_pii","type":"charge.succeeded","data":{"object":{"billing_details":{"name":"Jenny Rosen","email":"jenny.rosen@example.com","phone":"+15550100","address":{"line1":"510 Townsend St"}},"payment_method_details":{"card":{"number":"4242424242424242","exp_month":12,"cvc":"123"}},"metadata":{"ssn":"078-05-1120"}}}}`

var pii = []string{"Jenny Rosen", "jenny.rosen@example.com", "+15550100", "510 Townsend", "4242424242424242", "078-05-1120", "cvc"}

func webhookItem(t *testing.T, status store.Status, by, lastError string) store.Item {
	t.Helper()
	item, err := store.WebhookItem(store.Webhook{
		Provider: "stripe", EventID: "evt_pii", EventType: "charge.succeeded", Body: []byte(piiBody),
		SignatureHeaders: map[string]string{"Stripe-Signature": "t=1,v1=abc"}, SourceIP: "203.0.113.9",
		Status: status, LastError: lastError, UpdatedBy: by, ReceivedAt: time.Now(), ExpiresAt: time.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return item
}

func record(name string, oldImage, newImage store.Item, seq string) events.DynamoDBEventRecord {
	keys := newImage
	if keys == nil {
		keys = oldImage
	}
	return events.DynamoDBEventRecord{EventName: name, Change: events.DynamoDBStreamRecord{
		Keys: store.Item{"pk": keys["pk"], "sk": keys["sk"]}, OldImage: oldImage, NewImage: newImage, SequenceNumber: seq,
		ApproximateCreationDateTime: events.SecondsEpochTime{Time: time.Unix(1795780800, 0)},
	}}
}

func TestAuditTrailCarriesNoPersonalData(t *testing.T) {
	is := is.New(t)
	var out bytes.Buffer
	a := &audit.Auditor{Sink: audit.LogSink{Log: observe.NewLogger(&out, "info", "audit")}, Alerter: &alerts{}, Log: observe.NewLogger(&bytes.Buffer{}, "info", "auditor")}
	received := webhookItem(t, store.StatusReceived, store.ByReceiver, "")
	failed := webhookItem(t, store.StatusFailed, store.ByProcessor, "unprocessable payload: amount_minor is negative")
	resp, err := a.Handle(context.Background(), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		record("INSERT", nil, received, "1"), record("MODIFY", received, failed, "2"),
	}})
	is.NoErr(err)
	is.Equal(len(resp.BatchItemFailures), 0)
	trail := out.String()
	is.Equal(strings.Count(trail, "\n"), 2)
	for _, secret := range append(pii, "t=1,v1=abc") {
		is.True(!strings.Contains(trail, secret))
	}
	is.True(strings.Contains(trail, `"new_status":"FAILED"`))
}

func TestBuild(t *testing.T) {
	received := webhookItem(t, store.StatusReceived, store.ByReceiver, "")
	processed := webhookItem(t, store.StatusProcessed, store.ByProcessor, "")
	state := store.PaymentItem(payment.State{Provider: "stripe", PaymentID: "pi_1", Status: payment.StatusSucceeded, Version: 3}, time.Now())

	t.Run("a processed webhook", func(t *testing.T) {
		is := is.New(t)
		r := audit.Build(record("MODIFY", received, processed, "7"))
		is.Equal(r.Kind, "webhook")
		is.Equal(r.OldStatus+"→"+r.NewStatus, "RECEIVED→PROCESSED")
		is.Equal(r.Actor, "processor")
		is.Equal(r.SequenceNumber, "7")
		is.Equal(r.Time, time.Unix(1795780800, 0).UTC())
		is.Equal(len(r.NewImageSHA256), 64)
		is.Equal(r.OldImageSHA256, audit.Build(record("INSERT", nil, received, "6")).NewImageSHA256) // the chain
	})
	t.Run("a payment's version", func(t *testing.T) {
		is := is.New(t)
		r := audit.Build(record("INSERT", nil, state, "8"))
		is.Equal(r.Kind, "payment")
		is.Equal(r.PaymentKey, "PAYMENT#stripe#pi_1")
		is.Equal(r.NewVersion, "3")
	})
	t.Run("a TTL deletion is told apart by its identity", func(t *testing.T) {
		is := is.New(t)
		r := record("REMOVE", processed, nil, "9")
		r.UserIdentity = &events.DynamoDBUserIdentity{Type: "Service", PrincipalID: "dynamodb.amazonaws.com"}
		is.Equal(audit.Build(r).Actor, audit.ActorTTL)
		is.Equal(audit.Build(r).EventID, "evt_pii")
	})
	t.Run("any other deletion is unknown", func(t *testing.T) {
		is.New(t).Equal(audit.Build(record("REMOVE", processed, nil, "10")).Actor, "unknown")
	})
}

func TestAlertsOnceOnTransitionToFailed(t *testing.T) {
	is := is.New(t)
	sent := &alerts{}
	a := &audit.Auditor{Sink: audit.LogSink{Log: observe.NewLogger(&bytes.Buffer{}, "info", "audit")}, Alerter: sent, Log: observe.NewLogger(&bytes.Buffer{}, "info", "auditor")}
	received := webhookItem(t, store.StatusReceived, store.ByReceiver, "")
	failed := webhookItem(t, store.StatusFailed, store.ByProcessor, "bad amount")
	_, err := a.Handle(context.Background(), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		record("MODIFY", received, failed, "1"), record("MODIFY", failed, failed, "2"),
	}})
	is.NoErr(err)
	is.Equal(len(*sent), 1)
	is.Equal((*sent)[0].Kind, "webhook_failed")
	is.Equal((*sent)[0].Reason, "bad amount")
}

type brokenSink struct{}

func (brokenSink) Write(context.Context, audit.Record) error {
	return errors.New("log group throttled")
}

func TestUnwrittenRecordsAreRetried(t *testing.T) {
	is := is.New(t)
	a := &audit.Auditor{Sink: brokenSink{}, Alerter: &alerts{}, Log: observe.NewLogger(&bytes.Buffer{}, "info", "auditor")}
	received := webhookItem(t, store.StatusReceived, store.ByReceiver, "")
	resp, err := a.Handle(context.Background(), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{record("INSERT", nil, received, "1"), record("INSERT", nil, received, "2")}})
	is.NoErr(err)
	is.Equal(resp.BatchItemFailures, []events.DynamoDBBatchItemFailure{{ItemIdentifier: "1"}, {ItemIdentifier: "2"}})
}

// TestTheActorIsWhatTheChangeShowsNotWhatTheWriterClaims: updated_by is a
// field any writer sets; the auditor names the component that makes the
// kind of change it sees, and records a contradicting claim.
func TestTheActorIsWhatTheChangeShowsNotWhatTheWriterClaims(t *testing.T) {
	received := webhookItem(t, store.StatusReceived, store.ByReceiver, "")
	failed := webhookItem(t, store.StatusFailed, store.ByProcessor, "bad amount")
	retry := webhookItem(t, store.StatusRetry, store.ByRedrive, "")
	claimsRedrive := webhookItem(t, store.StatusProcessed, store.ByRedrive, "")
	cases := []struct {
		name          string
		record        events.DynamoDBEventRecord
		actor, claims string
	}{
		{"a delivery", record("INSERT", nil, received, "1"), store.ByReceiver, ""},
		{"a failure", record("MODIFY", received, failed, "2"), store.ByProcessor, ""},
		{"a redrive", record("MODIFY", failed, retry, "3"), store.ByRedrive, ""},
		{"processing that claims to be a redrive", record("MODIFY", received, claimsRedrive, "4"), store.ByProcessor, store.ByRedrive},
		{"an edit no component makes", record("MODIFY", failed, received, "5"), audit.ActorUnknown, store.ByReceiver},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			r := audit.Build(tc.record)
			is.Equal(r.Actor, tc.actor)
			is.Equal(r.ClaimedBy, tc.claims)
		})
	}
}

// trail writes the audit records of a webhook's life as the auditor would.
func trail(t *testing.T) []string {
	t.Helper()
	var out bytes.Buffer
	a := &audit.Auditor{Sink: audit.LogSink{Log: observe.NewLogger(&out, "info", "audit")}, Alerter: &alerts{}, Log: observe.NewLogger(&bytes.Buffer{}, "info", "auditor")}
	received := webhookItem(t, store.StatusReceived, store.ByReceiver, "")
	failed := webhookItem(t, store.StatusFailed, store.ByProcessor, "bad amount")
	retry := webhookItem(t, store.StatusRetry, store.ByRedrive, "")
	processed := webhookItem(t, store.StatusProcessed, store.ByProcessor, "")
	other := store.PaymentItem(payment.State{Provider: "stripe", PaymentID: "pi_1", Status: payment.StatusSucceeded, Version: 1}, time.Unix(1795780800, 0))
	_, err := a.Handle(context.Background(), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		record("INSERT", nil, received, "100"), record("INSERT", nil, other, "101"), record("MODIFY", received, failed, "102"),
		record("MODIFY", failed, retry, "103"), record("MODIFY", retry, processed, "104"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(out.String()), "\n")
}

func TestVerifyFindsWhereATrailBreaks(t *testing.T) {
	lines := trail(t)
	edited := strings.Replace(lines[2], `"actor":"processor"`, `"actor":"redrive"`, 1)
	cases := []struct {
		name   string
		lines  []string
		breaks []string
	}{
		{"the whole trail", lines, nil},
		{"a record deleted", []string{lines[0], lines[1], lines[3], lines[4]}, []string{"line 3: its old image is not the previous record's new image: a record is missing before it"}},
		{"two records swapped", []string{lines[0], lines[1], lines[3], lines[2], lines[4]}, []string{
			"line 3: its old image is not the previous record's new image: a record is missing before it",
			"line 4: sequence 102 comes after 103: out of order",
			"line 5: its old image is not the previous record's new image: a record is missing before it",
		}},
		{"a record edited", []string{lines[0], lines[1], edited, lines[3], lines[4]}, []string{"line 3: the record's fields do not match its digest: edited"}},
		{"a trail that starts mid-history", lines[2:], nil},
		{"a CloudWatch Logs export", exported(lines), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			report, err := audit.Verify(strings.NewReader(strings.Join(tc.lines, "\n")), audit.VerifyOptions{})
			is.NoErr(err)
			var breaks []string
			for _, b := range report.Breaks {
				breaks = append(breaks, fmt.Sprintf("line %d: %s", b.Line, b.Why))
			}
			is.Equal(breaks, tc.breaks)
			is.True(report.Records > 0)
		})
	}
}

// TestVerifyTellsAnAtLeastOnceRepeatFromABreak: the auditor on Lambda
// writes to CloudWatch Logs at least once, so an export can hold a record
// twice, exactly; that passes and is reported, and every edit, removal
// or reordering still breaks the chain, repeats or not.
func TestVerifyTellsAnAtLeastOnceRepeatFromABreak(t *testing.T) {
	lines := trail(t) // 0 webhook INSERT 100, 1 payment INSERT 101, 2 webhook 102, 3 webhook 103, 4 webhook 104
	edited := strings.Replace(lines[3], `"actor":"redrive"`, `"actor":"processor"`, 1)
	forged := forgeRecord(t, lines[3], `"actor":"redrive"`, `"actor":"processor"`)
	type repeat struct{ line, of int }
	cases := []struct {
		name    string
		lines   []string
		repeats []repeat
		breaks  []string
	}{
		{"a record written twice in a row", []string{lines[0], lines[1], lines[2], lines[2], lines[3], lines[4]}, []repeat{{4, 3}}, nil},
		{"a batch retried after a partial write", append(slices.Clone(lines[:4]), lines[1], lines[2], lines[3], lines[4]), []repeat{{5, 2}, {6, 3}, {7, 4}}, nil},
		{"a repeat in an export", exported([]string{lines[0], lines[0], lines[1], lines[2], lines[3], lines[4]}), []repeat{{2, 1}}, nil},
		{"a repeat, edited", []string{lines[0], lines[1], lines[2], lines[3], edited, lines[4]}, nil, []string{
			"line 5: the record's fields do not match its digest: edited",
			"line 5: sequence 103 comes after 103: out of order",
		}},
		{"a second version of a record, its digest made anew", []string{lines[0], lines[1], lines[2], lines[3], forged, lines[4]}, nil, []string{
			"line 5: sequence 103 again, with other fields than line 4: not a repeat but a second version",
		}},
		{"a repeat, and a record removed", []string{lines[0], lines[1], lines[1], lines[3], lines[4]}, []repeat{{3, 2}}, []string{
			"line 4: its old image is not the previous record's new image: a record is missing before it",
		}},
		{"a repeat, and two records swapped", []string{lines[0], lines[0], lines[1], lines[3], lines[2], lines[4]}, []repeat{{2, 1}}, []string{
			"line 4: its old image is not the previous record's new image: a record is missing before it",
			"line 5: sequence 102 comes after 103: out of order",
			"line 6: its old image is not the previous record's new image: a record is missing before it",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			report, err := audit.Verify(strings.NewReader(strings.Join(tc.lines, "\n")), audit.VerifyOptions{Complete: true, AllowRepeats: true})
			is.NoErr(err)
			var repeats []repeat
			for _, r := range report.Repeats {
				repeats = append(repeats, repeat{r.Line, r.Of})
			}
			is.Equal(repeats, tc.repeats)
			is.Equal(breaksOf(report), tc.breaks)
			is.Equal(report.Records, len(tc.lines))
		})
	}
}

// TestATrailWrittenOnceHasNoRepeats: a data directory's trail is written
// exactly once, so there a repeat is a break.
func TestATrailWrittenOnceHasNoRepeats(t *testing.T) {
	is := is.New(t)
	lines := trail(t)
	report, err := audit.Verify(strings.NewReader(strings.Join([]string{lines[0], lines[1], lines[2], lines[2], lines[3], lines[4]}, "\n")), audit.VerifyOptions{Complete: true})
	is.NoErr(err)
	is.Equal(len(report.Repeats), 0)
	is.Equal(breaksOf(report), []string{"line 4: a repeat of line 3: this trail is written exactly once"})
}

func breaksOf(report audit.Report) []string {
	var breaks []string
	for _, b := range report.Breaks {
		breaks = append(breaks, fmt.Sprintf("line %d: %s", b.Line, b.Why))
	}
	return breaks
}

// forgeRecord edits a trail line's record and computes its digest anew,
// as only someone who knows how the digest is made would.
func forgeRecord(t *testing.T, line, from, to string) string {
	t.Helper()
	forged, err := forge.RewriteRecord(line, from, to)
	if err != nil {
		t.Fatal(err)
	}
	return forged
}

func TestAVerifiedCompleteTrailMustStartEachItemAtItsCreation(t *testing.T) {
	is := is.New(t)
	lines := trail(t)
	report, err := audit.Verify(strings.NewReader(strings.Join(lines, "\n")), audit.VerifyOptions{Complete: true})
	is.NoErr(err)
	is.Equal(len(report.Breaks), 0)
	report, err = audit.Verify(strings.NewReader(strings.Join(lines[1:], "\n")), audit.VerifyOptions{Complete: true}) // the webhook's INSERT is gone
	is.NoErr(err)
	is.Equal(len(report.Breaks), 1)
	is.Equal(report.Breaks[0].Why, "the item's first record is not its creation: the records before it are missing")
}

// exported is the trail as an S3 export of the auditor's log group writes
// it: a timestamp, then the log line, as a JSON string in a "message".
func exported(lines []string) []string {
	var out []string
	for _, line := range lines {
		message, _ := json.Marshal(map[string]string{"message": line})
		out = append(out, "2026-11-28T05:00:00.000Z "+string(message))
	}
	return out
}

// TestATrailWrittenOnceMustHoldEveryChange: a data directory's trail
// holds one record of every change, numbered by one; removing any record
// breaks it, even the only record of its item, which no chain shows.
func TestATrailWrittenOnceMustHoldEveryChange(t *testing.T) {
	lines := trail(t) // 0 webhook INSERT 100, 1 payment INSERT 101 (its only record), 2 webhook 102, 3 webhook 103, 4 webhook 104
	cases := []struct {
		name   string
		lines  []string
		breaks []string
	}{
		{"the whole trail", lines, nil},
		{"the lone record of an item removed", []string{lines[0], lines[2], lines[3], lines[4]}, []string{
			"line 2: sequence 102 follows 100: the record of change 101 is missing",
		}},
		{"the last record removed and another line put in its place", []string{lines[0], lines[2], "", lines[3], lines[4]}, []string{
			"line 2: sequence 102 follows 100: the record of change 101 is missing",
			"line 3: the line holds no record: this trail holds records only",
		}},
		{"two records of different items swapped", []string{lines[0], lines[2], lines[1], lines[3], lines[4]}, []string{
			"line 2: sequence 102 follows 100: the record of change 101 is missing",
			"line 3: sequence 101 follows 102: out of order",
			"line 4: sequence 103 follows 101: the record of change 102 is missing",
		}},
		{"records removed at once", []string{lines[0], lines[4]}, []string{
			"line 2: sequence 104 follows 100: the records of changes 101 to 103 are missing",
			"line 2: its old image is not the previous record's new image: a record is missing before it",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			report, err := audit.Verify(strings.NewReader(strings.Join(tc.lines, "\n")), audit.VerifyOptions{Contiguous: true})
			is.NoErr(err)
			is.Equal(breaksOf(report), tc.breaks)
		})
	}
	// Complete, it must start at the feed's first change.
	is := is.New(t)
	report, err := audit.Verify(strings.NewReader(strings.Join(lines, "\n")), audit.VerifyOptions{Complete: true, Contiguous: true})
	is.NoErr(err)
	is.Equal(breaksOf(report), []string{"line 1: the trail starts at sequence 100: the records of changes 1 to 99 are missing"})
}
