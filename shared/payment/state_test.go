package payment_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/payment"
)

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func ev(id string, typ payment.Type, amount int64, at time.Duration) payment.Event {
	return payment.Event{Provider: "stripe", EventID: id, Type: typ, ProviderType: string(typ), PaymentID: "pi_1", AmountMinor: amount, Currency: "USD", OccurredAt: t0.Add(at)}
}

func refund(id, refundID string, status payment.RefundStatus, amount int64, at time.Duration) payment.Event {
	e := ev(id, payment.PartiallyRefunded, amount, at)
	if status != payment.RefundSucceeded {
		e.Type = payment.RefundUpdated
	}
	e.RefundID, e.RefundStatus = refundID, status
	return e
}

func applyAll(events ...payment.Event) (payment.State, []payment.Outcome) {
	var s payment.State
	var outcomes []payment.Outcome
	for _, e := range events {
		var v payment.Verdict
		s, v = s.Apply(e)
		outcomes = append(outcomes, v.Outcome)
	}
	return s, outcomes
}

func TestOrderingGuard(t *testing.T) {
	cases := []struct {
		name     string
		events   []payment.Event
		status   payment.Status
		outcomes []payment.Outcome
	}{
		{"in order", []payment.Event{ev("e1", payment.Pending, 2000, 0), ev("e2", payment.Succeeded, 2000, time.Second)},
			payment.StatusSucceeded, []payment.Outcome{payment.Applied, payment.Applied}},
		{"refund delivered before its payment stays refunded",
			[]payment.Event{ev("refund", payment.Refunded, 2000, 2*time.Second), ev("paid", payment.Succeeded, 2000, time.Second)},
			payment.StatusRefunded, []payment.Outcome{payment.Applied, payment.Applied}},
		{"a succeeded newer than the refund does not undo it",
			[]payment.Event{ev("paid", payment.Succeeded, 2000, 0), ev("refund", payment.Refunded, 2000, time.Second), ev("paid-again", payment.Succeeded, 2000, time.Hour)},
			payment.StatusRefunded, []payment.Outcome{payment.Applied, payment.Applied, payment.OutOfOrder}},
		{"late pending after success is ignored",
			[]payment.Event{ev("paid", payment.Succeeded, 2000, time.Second), ev("pending", payment.Pending, 2000, 0)},
			payment.StatusSucceeded, []payment.Outcome{payment.Applied, payment.OutOfOrder}},
		{"a failed payment can be retried to success",
			[]payment.Event{ev("fail", payment.Failed, 2000, 0), ev("ok", payment.Succeeded, 2000, time.Second)},
			payment.StatusSucceeded, []payment.Outcome{payment.Applied, payment.Applied}},
		{"a failure older than the success (a first attempt, delivered late) does not undo it",
			[]payment.Event{ev("ok", payment.Succeeded, 2000, time.Second), ev("fail", payment.Failed, 2000, 0)},
			payment.StatusSucceeded, []payment.Outcome{payment.Applied, payment.OutOfOrder}},
		{"a failure at the same instant as the success does not undo it",
			[]payment.Event{ev("ok", payment.Succeeded, 2000, time.Second), ev("fail", payment.Failed, 2000, time.Second)},
			payment.StatusSucceeded, []payment.Outcome{payment.Applied, payment.OutOfOrder}},
		{"a failure newer than the success is a late failure (a capture failed, a debit returned)",
			[]payment.Event{ev("ok", payment.Succeeded, 2000, 0), ev("fail", payment.Failed, 2000, time.Hour)},
			payment.StatusFailed, []payment.Outcome{payment.Applied, payment.Applied}},
		{"a cancel newer than the success voids it (an authorisation canceled or expired uncaptured)",
			[]payment.Event{ev("ok", payment.Succeeded, 2000, 0), ev("void", payment.Canceled, 2000, time.Hour)},
			payment.StatusCanceled, []payment.Outcome{payment.Applied, payment.Applied}},
		{"a cancel older than the success does not undo it",
			[]payment.Event{ev("ok", payment.Succeeded, 2000, time.Hour), ev("void", payment.Canceled, 2000, 0)},
			payment.StatusSucceeded, []payment.Outcome{payment.Applied, payment.OutOfOrder}},
		{"canceled is final", []payment.Event{ev("c", payment.Canceled, 2000, 0), ev("ok", payment.Succeeded, 2000, time.Second)},
			payment.StatusCanceled, []payment.Outcome{payment.Applied, payment.OutOfOrder}},
		{"the same event twice is applied once",
			[]payment.Event{ev("ok", payment.Succeeded, 2000, 0), ev("ok", payment.Succeeded, 2000, 0)},
			payment.StatusSucceeded, []payment.Outcome{payment.Applied, payment.AlreadyApplied}},
		{"a newer success with a corrected amount applies",
			[]payment.Event{ev("ok", payment.Succeeded, 2000, 0), ev("ok2", payment.Succeeded, 1800, time.Second)},
			payment.StatusSucceeded, []payment.Outcome{payment.Applied, payment.Applied}},
		{"other events leave the payment alone",
			[]payment.Event{ev("ok", payment.Succeeded, 2000, 0), ev("x", payment.Other, 0, time.Second)},
			payment.StatusSucceeded, []payment.Outcome{payment.Applied, payment.NotAPayment}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			s, outcomes := applyAll(tc.events...)
			is.Equal(s.Status, tc.status)
			is.Equal(outcomes, tc.outcomes)
		})
	}
}

func TestAnIgnoredEventSaysWhy(t *testing.T) {
	is := is.New(t)
	s, _ := applyAll(ev("ok", payment.Succeeded, 2000, time.Second))
	_, v := s.Apply(ev("late", payment.Failed, 2000, 0))
	is.Equal(v, payment.Verdict{Outcome: payment.OutOfOrder, Reason: "failed cannot follow succeeded"})
}

func TestApplyingTheSameEventTwiceChangesAmountAndHistoryOnce(t *testing.T) {
	is := is.New(t)
	r := ev("r1", payment.PartiallyRefunded, 500, time.Second)
	s, _ := applyAll(ev("ok", payment.Succeeded, 2000, 0), r)
	again, verdict := s.Apply(r)
	is.Equal(verdict.Outcome, payment.AlreadyApplied)
	is.Equal(again, s)
	is.Equal(again.RefundedMinor, int64(500))
	is.Equal(again.History, []string{"ok", "r1"})
	is.Equal(again.Version, int64(2))
}

func TestRefunds(t *testing.T) {
	t.Run("a refund paid without its amount still shows money went back", func(t *testing.T) {
		is := is.New(t)
		s, _ := applyAll(ev("ok", payment.Succeeded, 0, 0), refund("r1", "RF1", payment.RefundSucceeded, 0, time.Second))
		is.Equal(s.Status, payment.StatusPartiallyRefunded)
		is.Equal(s.Lifecycle, payment.StatusSucceeded)
		s, _ = s.Apply(refund("r2", "RF1", payment.RefundFailed, 0, 2*time.Second))
		is.Equal(s.Status, payment.StatusSucceeded) // a refund that bounced counts no more
	})
	t.Run("single refunds add up to a full refund", func(t *testing.T) {
		is := is.New(t)
		s, _ := applyAll(ev("ok", payment.Succeeded, 2000, 0), ev("r1", payment.PartiallyRefunded, 500, time.Second))
		is.Equal(s.Status, payment.StatusPartiallyRefunded)
		s, _ = s.Apply(ev("r2", payment.PartiallyRefunded, 1500, 2*time.Second))
		is.Equal(s.Status, payment.StatusRefunded)
		is.Equal(s.RefundedMinor, int64(2000))
	})
	t.Run("running totals are not added twice", func(t *testing.T) {
		is := is.New(t)
		total := func(id string, amount int64, at time.Duration) payment.Event {
			e := ev(id, payment.PartiallyRefunded, amount, at)
			e.RefundedTotal = true
			return e
		}
		// The second total arrives first: the first adds nothing.
		s, outcomes := applyAll(ev("ok", payment.Succeeded, 2000, 0), total("r2", 1200, 2*time.Second), total("r1", 500, time.Second))
		is.Equal(s.RefundedMinor, int64(1200))
		is.Equal(s.Status, payment.StatusPartiallyRefunded)
		is.Equal(outcomes[2], payment.OutOfOrder)
	})
	t.Run("one refund reported in several events counts once", func(t *testing.T) {
		is := is.New(t)
		s, _ := applyAll(ev("ok", payment.Succeeded, 2000, 0),
			refund("created", "re_1", payment.RefundPending, 500, time.Second),
			refund("updated", "re_1", payment.RefundSucceeded, 500, 2*time.Second),
			refund("updated-again", "re_1", payment.RefundSucceeded, 500, 3*time.Second))
		is.Equal(s.RefundedMinor, int64(500))
		is.Equal(s.Status, payment.StatusPartiallyRefunded)
		is.Equal(len(s.Refunds), 1)
	})
	t.Run("a pending refund moves no money", func(t *testing.T) {
		is := is.New(t)
		s, _ := applyAll(ev("ok", payment.Succeeded, 2000, 0), refund("created", "re_1", payment.RefundPending, 500, time.Second))
		is.Equal(s.RefundedMinor, int64(0))
		is.Equal(s.Status, payment.StatusSucceeded)
	})
	t.Run("the newest word on a refund wins, whatever the delivery order", func(t *testing.T) {
		is := is.New(t)
		s, outcomes := applyAll(ev("ok", payment.Succeeded, 2000, 0),
			refund("failed", "re_1", payment.RefundFailed, 500, 3*time.Second),
			refund("succeeded", "re_1", payment.RefundSucceeded, 500, 2*time.Second))
		is.Equal(s.RefundedMinor, int64(0)) // it failed in the end
		is.Equal(s.Status, payment.StatusSucceeded)
		is.Equal(outcomes[2], payment.OutOfOrder)
	})
	t.Run("a refund that fails after it succeeded counts no more", func(t *testing.T) {
		is := is.New(t)
		s, _ := applyAll(ev("ok", payment.Succeeded, 2000, 0),
			refund("succeeded", "re_1", payment.RefundSucceeded, 2000, time.Second),
			refund("failed", "re_1", payment.RefundFailed, 2000, 2*time.Second))
		is.Equal(s.RefundedMinor, int64(0))
		is.Equal(s.Status, payment.StatusSucceeded)
	})
	t.Run("two refunds of one payment both count", func(t *testing.T) {
		is := is.New(t)
		s, _ := applyAll(ev("ok", payment.Succeeded, 2000, 0),
			refund("a", "re_1", payment.RefundSucceeded, 500, time.Second),
			refund("b", "re_2", payment.RefundSucceeded, 1500, 2*time.Second))
		is.Equal(s.Status, payment.StatusRefunded)
		is.Equal(s.RefundedMinor, int64(2000))
	})
	t.Run("a refund before its payment: the status follows the amounts once known", func(t *testing.T) {
		for _, tc := range []struct {
			refunded int64
			want     payment.Status
		}{{2000, payment.StatusRefunded}, {500, payment.StatusPartiallyRefunded}} {
			is := is.New(t)
			s, _ := applyAll(refund("refund", "re_1", payment.RefundSucceeded, tc.refunded, 2*time.Second), ev("paid", payment.Succeeded, 2000, time.Second))
			is.Equal(s.Status, tc.want)
			is.Equal(s.AmountMinor, int64(2000))
			is.Equal(s.Lifecycle, payment.StatusSucceeded)
		}
	})
}

func TestDisputes(t *testing.T) {
	t.Run("a late opening does not reopen a closed dispute; a newer one is a new dispute", func(t *testing.T) {
		is := is.New(t)
		s, outcomes := applyAll(ev("ok", payment.Succeeded, 2000, 0), ev("closed", payment.DisputeClosed, 2000, 2*time.Second), ev("opened", payment.DisputeOpened, 2000, time.Second))
		is.Equal(s.Dispute, payment.DisputeStateClosed)
		is.Equal(s.Status, payment.StatusSucceeded) // disputes sit beside the status
		is.Equal(outcomes[2], payment.OutOfOrder)
		s, _ = s.Apply(ev("second", payment.DisputeOpened, 2000, time.Hour))
		is.Equal(s.Dispute, payment.DisputeStateOpen)
	})
	t.Run("an update changes the details and never reopens", func(t *testing.T) {
		is := is.New(t)
		opened := ev("opened", payment.DisputeOpened, 2000, time.Second)
		opened.DisputeStatus = "needs_response"
		updated := ev("updated", payment.DisputeUpdated, 1500, 2*time.Second)
		updated.DisputeStatus = "under_review"
		won := ev("won", payment.DisputeClosed, 1500, 3*time.Second)
		won.DisputeStatus, won.DisputeOutcome = "won", payment.DisputeWon
		lateUpdate := ev("late-update", payment.DisputeUpdated, 1500, 4*time.Second)
		s, outcomes := applyAll(ev("ok", payment.Succeeded, 2000, 0), opened, updated)
		is.Equal(s.Dispute, payment.DisputeStateOpen)
		is.Equal(s.DisputeStatus, "under_review")
		is.Equal(s.DisputeAmountMinor, int64(1500))
		is.Equal(s.AmountMinor, int64(2000)) // the payment's amount is its own
		s, _ = s.Apply(won)
		s, v := s.Apply(lateUpdate)
		is.Equal(s.Dispute, payment.DisputeWon)
		is.Equal(v.Outcome, payment.OutOfOrder)
		is.Equal(outcomes, []payment.Outcome{payment.Applied, payment.Applied, payment.Applied})
	})
	t.Run("an update before its opening opens it", func(t *testing.T) {
		is := is.New(t)
		s, _ := applyAll(ev("updated", payment.DisputeUpdated, 2000, 2*time.Second), ev("opened", payment.DisputeOpened, 2000, time.Second))
		is.Equal(s.Dispute, payment.DisputeStateOpen)
	})
}

func TestHistoryIsBounded(t *testing.T) {
	is := is.New(t)
	s, _ := applyAll(ev("ok", payment.Succeeded, 1_000_000, 0))
	for i := range payment.HistoryLimit + 10 {
		s, _ = s.Apply(ev(fmt.Sprintf("r%d", i), payment.PartiallyRefunded, 1, time.Duration(i+1)*time.Second))
	}
	is.Equal(len(s.History), payment.HistoryLimit)
	is.Equal(s.History[len(s.History)-1], fmt.Sprintf("r%d", payment.HistoryLimit+9))
}

func TestALateEventFillsInAnAmountNotYetKnown(t *testing.T) {
	is := is.New(t)
	s, _ := applyAll(ev("refund", payment.Refunded, 3000, 2*time.Second), ev("paid", payment.Succeeded, 3000, time.Second))
	is.Equal(s.Status, payment.StatusRefunded)
	is.Equal(s.AmountMinor, int64(3000))
	is.Equal(s.LastEventID, "refund") // the newest event is still the refund
	s, v := s.Apply(ev("pending", payment.Pending, 9999, 0))
	is.Equal(v.Outcome, payment.OutOfOrder) // once known, a late amount changes nothing
	is.Equal(s.AmountMinor, int64(3000))
}

func capture(id, captureID string, amount int64, at time.Duration) payment.Event {
	e := ev(id, payment.Succeeded, amount, at)
	e.CaptureID = captureID
	return e
}

// A payment captured in parts is worth the sum of its captures: a refund
// of one part leaves the rest, and a capture reported twice counts once.
func TestPartialCapturesAddUp(t *testing.T) {
	is := is.New(t)
	authorised := ev("approved", payment.Pending, 10000, 0)
	s := applyEvents(t, authorised, capture("cap-1", "act_1", 3000, time.Minute), capture("cap-2", "act_2", 7000, 2*time.Minute))
	is.Equal(s.Status, payment.StatusSucceeded)
	is.Equal(s.AmountMinor, int64(10000))

	again, v := s.Apply(capture("cap-2-again", "act_2", 7000, 3*time.Minute))
	is.Equal(v.Outcome, payment.OutOfOrder) // the same capture, another event: counted once
	is.Equal(again.AmountMinor, int64(10000))

	refunded, _ := s.Apply(refund("ref-1", "act_3", payment.RefundSucceeded, 7000, 4*time.Minute))
	is.Equal(refunded.Status, payment.StatusPartiallyRefunded) // 3000 still captured
	is.Equal(refunded.RefundedMinor, int64(7000))

	late, _ := s.Apply(ev("late-success", payment.Succeeded, 10000, time.Hour))
	is.Equal(late.AmountMinor, int64(10000)) // a success without a capture id does not replace the sum
	one := applyEvents(t, authorised, capture("cap-1", "act_1", 3000, time.Minute))
	is.Equal(one.AmountMinor, int64(3000)) // what was captured, not what was authorised
}

func applyEvents(t *testing.T, events ...payment.Event) payment.State {
	t.Helper()
	var s payment.State
	for _, e := range events {
		var v payment.Verdict
		if s, v = s.Apply(e); v.Outcome != payment.Applied {
			t.Fatalf("%s: %s (%s)", e.EventID, v.Outcome, v.Reason)
		}
	}
	return s
}

// unknown is an event whose provider did not state the amount (GoCardless
// without its API).
func unknown(e payment.Event) payment.Event {
	e.AmountMinor, e.AmountUnknown = 0, true
	return e
}

// TestAnAmountNotStatedIsUnknownUntilStated: a payment whose provider did
// not say its amount is "unknown", never 0, until an event says it; an
// amount once known is never made unknown again.
func TestAnAmountNotStatedIsUnknownUntilStated(t *testing.T) {
	is := is.New(t)
	s, _ := applyAll(unknown(ev("confirmed", payment.Succeeded, 0, 0)))
	is.Equal(s.Status, payment.StatusSucceeded)
	is.True(s.AmountUnknown)
	is.Equal(s.AmountMinor, int64(0))

	paidOut, _ := s.Apply(ev("paid_out", payment.Succeeded, 2500, time.Hour))
	is.True(!paidOut.AmountUnknown)
	is.Equal(paidOut.AmountMinor, int64(2500))

	// An older event stating the amount is still the only word on it.
	late, v := s.Apply(ev("created", payment.Pending, 2500, -time.Hour))
	is.Equal(v.Outcome, payment.Applied)
	is.True(!late.AmountUnknown)
	is.Equal(late.AmountMinor, int64(2500))

	again, _ := paidOut.Apply(unknown(ev("charged_back", payment.DisputeOpened, 0, 2*time.Hour)))
	is.True(!again.AmountUnknown) // stays known
	is.Equal(again.AmountMinor, int64(2500))
}

func TestARefundWithoutAmountIsCountedAndSaidUnknown(t *testing.T) {
	is := is.New(t)
	s, _ := applyAll(ev("paid", payment.Succeeded, 2500, 0), unknown(refund("refund-paid", "RF1", payment.RefundSucceeded, 0, time.Hour)))
	is.Equal(s.Status, payment.StatusPartiallyRefunded) // money went back
	is.True(s.RefundedAmountUnknown)
	is.Equal(s.RefundedMinor, int64(0))

	// The refund's amount, once read, replaces the unknown.
	known, _ := s.Apply(refund("refund-read", "RF1", payment.RefundSucceeded, 2500, 2*time.Hour))
	is.True(!known.RefundedAmountUnknown)
	is.Equal(known.Status, payment.StatusRefunded)
}

func TestAnEventCannotStateAnAmountAndSayItIsUnknown(t *testing.T) {
	e := ev("both", payment.Succeeded, 100, 0)
	e.AmountUnknown = true
	is.New(t).True(errors.Is(e.Validate(), payment.ErrUnprocessable))
}
