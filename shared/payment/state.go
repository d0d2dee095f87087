package payment

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Status is where a payment stands, as operators and consumers see it:
// its own lifecycle (pending, succeeded, failed, canceled), or, once money
// went back, partially_refunded or refunded.
type Status string

const (
	StatusNew               Status = ""
	StatusPending           Status = "pending"
	StatusSucceeded         Status = "succeeded"
	StatusFailed            Status = "failed"
	StatusCanceled          Status = "canceled"
	StatusPartiallyRefunded Status = "partially_refunded"
	StatusRefunded          Status = "refunded"
)

// Dispute states, kept beside the status: a disputed payment has still
// succeeded (or been refunded) until the dispute is decided. A payment that
// was never disputed has none (""). A decided dispute is won or lost, or
// closed when the provider did not say.
const (
	DisputeStateOpen   = "open"
	DisputeStateClosed = "closed"
)

var lifecycleOf = map[Type]Status{Pending: StatusPending, Succeeded: StatusSucceeded, Failed: StatusFailed, Canceled: StatusCanceled}

// forward lists the lifecycle moves that are accepted whatever the events'
// times: providers do not deliver in order, and a late event must never
// move a payment back. A failed payment can be retried; canceled is final.
// Refunds sit beside the lifecycle and never move it.
var forward = map[Status][]Status{
	StatusNew:     {StatusPending, StatusSucceeded, StatusFailed, StatusCanceled},
	StatusPending: {StatusSucceeded, StatusFailed, StatusCanceled},
	StatusFailed:  {StatusPending, StatusSucceeded, StatusCanceled},
}

// lateMoves are the moves back that are accepted, and only from an event
// newer than the payment's last: money a payment was said to have collected
// can still fail to arrive (a capture that fails after its authorisation,
// a direct debit the bank returns after it was confirmed), and an
// authorisation reported as success can still be voided or expire
// uncaptured (Adyen's CANCELLATION, CANCEL_OR_REFUND as a cancel, EXPIRE).
// An older one is a first attempt delivered late, and changes nothing.
var lateMoves = map[Status][]Status{StatusSucceeded: {StatusFailed, StatusCanceled}}

// HistoryLimit bounds the applied event ids kept on a payment. It is a
// record, not the deduplication: the webhook's own status does that.
const HistoryLimit = 100

// State is one payment as payhook knows it.
type State struct {
	Provider  string `json:"provider"`
	PaymentID string `json:"payment_id"`
	// Status is derived: the lifecycle, or a refund status once refunds
	// are counted (see derive).
	Status Status `json:"status"`
	// Lifecycle is the payment's own status, which refunds never change.
	Lifecycle   Status `json:"lifecycle,omitempty"`
	AmountMinor int64  `json:"amount_minor"`
	// AmountUnknown says no event applied yet has stated the payment's
	// amount and one said it did not know it (GoCardless without its
	// API): AmountMinor is then 0 and means nothing.
	AmountUnknown bool  `json:"amount_unknown,omitempty"`
	RefundedMinor int64 `json:"refunded_minor"`
	// RefundedAmountUnknown says a refund that went back has an amount
	// the provider did not state: RefundedMinor counts only the others.
	RefundedAmountUnknown bool `json:"refunded_amount_unknown,omitempty"`
	// Refunds are the refunds known by id, each counted once, the newest
	// word on each winning. ReportedRefundedMinor is the largest running
	// total a provider reported without naming refunds; RefundedInFull,
	// a provider's word that everything went back.
	Refunds map[string]Refund `json:"refunds,omitempty"`
	// Captures are the amounts captured, by capture id, for a provider
	// that captures in parts; AmountMinor is then their sum.
	Captures              map[string]int64 `json:"captures,omitempty"`
	ReportedRefundedMinor int64            `json:"reported_refunded_minor,omitempty"`
	RefundedInFull        bool             `json:"refunded_in_full,omitempty"`
	Currency              string           `json:"currency"`
	Dispute               string           `json:"dispute,omitempty"`
	DisputeStatus         string           `json:"dispute_status,omitempty"`
	DisputeAmountMinor    int64            `json:"dispute_amount_minor,omitempty"`
	DisputeAt             time.Time        `json:"dispute_at,omitzero"`
	LastEventID           string           `json:"last_event_id"`
	LastOccurredAt        time.Time        `json:"last_occurred_at"`
	// Version counts applied events; writes are conditioned on it.
	Version int64    `json:"version"`
	History []string `json:"history"`
}

// Refund is one refund of a payment.
type Refund struct {
	AmountMinor int64 `json:"amount_minor"`
	// AmountUnknown: no event about the refund stated its amount.
	AmountUnknown bool         `json:"amount_unknown,omitempty"`
	Status        RefundStatus `json:"status"`
	At            time.Time    `json:"at"`
}

// Outcome says what Apply did with an event.
type Outcome string

const (
	Applied        Outcome = "applied"
	AlreadyApplied Outcome = "already_applied"
	OutOfOrder     Outcome = "out_of_order"
	NotAPayment    Outcome = "not_a_payment_event"
)

// Verdict is Apply's answer: the outcome and, for an event not applied,
// why, in words an operator can act on. It never quotes payload data
// beyond the canonical status names.
type Verdict struct {
	Outcome Outcome
	Reason  string
}

func ignored(format string, a ...any) Verdict {
	return Verdict{Outcome: OutOfOrder, Reason: fmt.Sprintf(format, a...)}
}

// Apply returns the state after e, and what happened. s is not changed.
func (s State) Apply(e Event) (State, Verdict) {
	if e.Type == Other || e.PaymentID == "" {
		return s, Verdict{Outcome: NotAPayment, Reason: "the event is about no payment"}
	}
	if slices.Contains(s.History, e.EventID) {
		return s, Verdict{Outcome: AlreadyApplied, Reason: "the event was applied before"}
	}
	next := s
	next.History = slices.Clone(s.History)
	next.Refunds = maps.Clone(s.Refunds)
	next.Captures = maps.Clone(s.Captures)
	newer := s.LastOccurredAt.IsZero() || e.OccurredAt.After(s.LastOccurredAt)
	var verdict Verdict
	switch {
	case e.IsDispute():
		verdict = next.applyDispute(e)
	case e.IsRefund():
		verdict = next.applyRefund(e)
	default:
		verdict = next.applyLifecycle(e, newer)
	}
	if verdict.Outcome != Applied {
		return s, verdict
	}
	next.Provider, next.PaymentID = e.Provider, e.PaymentID
	if next.Currency == "" {
		next.Currency = e.Currency
	}
	if newer {
		next.LastEventID, next.LastOccurredAt = e.EventID, e.OccurredAt
	}
	// Unknown until an event states it; an amount once known stays.
	next.AmountUnknown = next.AmountMinor == 0 && (s.AmountUnknown || e.AmountUnknown)
	next.derive()
	next.Version++
	next.History = append(next.History, e.EventID)
	if len(next.History) > HistoryLimit {
		next.History = next.History[len(next.History)-HistoryLimit:]
	}
	return next, verdict
}

var applied = Verdict{Outcome: Applied}

func (s *State) applyLifecycle(e Event, newer bool) Verdict {
	target := lifecycleOf[e.Type]
	if e.CaptureID != "" && target == StatusSucceeded {
		return s.applyCapture(e)
	}
	switch {
	case slices.Contains(forward[s.Lifecycle], target):
	case slices.Contains(lateMoves[s.Lifecycle], target) && newer:
	case target == s.Lifecycle && newer && e.AmountMinor > 0 && e.AmountMinor != s.AmountMinor && len(s.Captures) == 0:
		// The same status again, newer, with another amount: a correction.
	case s.AmountMinor == 0 && e.AmountMinor > 0:
		// Too late to move the lifecycle, but the only word yet on the
		// payment's amount: keep that, nothing else.
		s.AmountMinor = e.AmountMinor
		return applied
	case target == s.Lifecycle:
		return ignored("the payment is %s already; the event tells nothing new", target)
	default:
		return ignored("%s cannot follow %s", target, s.Lifecycle)
	}
	s.Lifecycle = target
	if e.AmountMinor > 0 {
		s.AmountMinor = e.AmountMinor
	}
	return applied
}

// applyCapture counts one capture of a payment captured in parts: the
// payment's amount is the sum of its captures, however many events report
// each, and the first capture makes it succeed (or a newer one after a
// failure, as any success).
func (s *State) applyCapture(e Event) Verdict {
	if amount, counted := s.Captures[e.CaptureID]; counted && amount == e.AmountMinor {
		return ignored("the capture was counted before; the event tells nothing new")
	}
	switch {
	case s.Lifecycle == StatusSucceeded:
	case slices.Contains(forward[s.Lifecycle], StatusSucceeded):
		s.Lifecycle = StatusSucceeded
	default:
		return ignored("%s cannot follow %s", StatusSucceeded, s.Lifecycle)
	}
	if s.Captures == nil {
		s.Captures = map[string]int64{}
	}
	s.Captures[e.CaptureID] = e.AmountMinor
	s.AmountMinor = 0
	for _, amount := range s.Captures {
		s.AmountMinor += amount
	}
	return applied
}

// applyRefund records what the event says of one refund: by its id, the
// newest word winning, so that a refund reported twice (created, then
// updated) counts once; or, for a provider's running total, the largest.
func (s *State) applyRefund(e Event) Verdict {
	if e.RefundedTotal {
		saysMore := e.AmountMinor > s.ReportedRefundedMinor || (e.Type == Refunded && !s.RefundedInFull)
		if !saysMore {
			return ignored("a refunded total of %d is not above the %d already reported", e.AmountMinor, s.ReportedRefundedMinor)
		}
		s.ReportedRefundedMinor = max(s.ReportedRefundedMinor, e.AmountMinor)
		s.RefundedInFull = s.RefundedInFull || e.Type == Refunded
		return applied
	}
	id := cmp.Or(e.RefundID, e.EventID)
	status := e.RefundStatus
	if status == "" {
		status = RefundSucceeded
		if e.Type == RefundUpdated {
			status = RefundPending
		}
	}
	// A later word wins; at the same instant, a settled status wins over
	// a pending one.
	if known, ok := s.Refunds[id]; ok {
		later := e.OccurredAt.After(known.At) || (e.OccurredAt.Equal(known.At) && known.Status == RefundPending)
		if !later {
			return ignored("refund %s has newer news than this event", id)
		}
	}
	if s.Refunds == nil {
		s.Refunds = map[string]Refund{}
	}
	// An event without the refund's amount keeps what an earlier one said.
	prior := s.Refunds[id]
	amount, unknown := e.AmountMinor, false
	if amount == 0 {
		amount = prior.AmountMinor
		unknown = amount == 0 && (e.AmountUnknown || prior.AmountUnknown)
	}
	s.Refunds[id] = Refund{AmountMinor: amount, AmountUnknown: unknown, Status: status, At: e.OccurredAt}
	s.RefundedInFull = s.RefundedInFull || (e.Type == Refunded && status == RefundSucceeded)
	return applied
}

// applyDispute opens, updates or closes. A close is final for that
// dispute; an opening after a close counts only if it is newer (a second
// dispute), never a late delivery of the first one's; an update never
// reopens.
func (s *State) applyDispute(e Event) Verdict {
	decided := s.Dispute != "" && s.Dispute != DisputeStateOpen
	newer := s.DisputeAt.IsZero() || e.OccurredAt.After(s.DisputeAt)
	switch e.Type {
	case DisputeClosed:
		s.Dispute = cmp.Or(e.DisputeOutcome, DisputeStateClosed)
	case DisputeUpdated:
		if decided {
			return ignored("an update cannot reopen a dispute that is %s", s.Dispute)
		}
		if !newer {
			return ignored("an older update than the dispute's last")
		}
		s.Dispute = DisputeStateOpen
	case DisputeOpened:
		if decided && !newer {
			return ignored("a late opening of a dispute that is %s", s.Dispute)
		}
		s.Dispute = DisputeStateOpen
	}
	if e.DisputeStatus != "" {
		s.DisputeStatus = e.DisputeStatus
	}
	if e.AmountMinor > 0 {
		s.DisputeAmountMinor = e.AmountMinor
	}
	if newer {
		s.DisputeAt = e.OccurredAt
	}
	return applied
}

// derive sets the status from the lifecycle and the refunds counted: once
// money went back (even an amount not stated) the payment is
// partially_refunded, or refunded when the
// refunds reach its amount or the provider said so; otherwise it is its
// lifecycle. A refund that later failed counts no more.
func (s *State) derive() {
	counted := int64(0)
	// A provider may say a refund was paid without saying how much
	// (GoCardless): money went back all the same.
	unknownAmount := false
	s.RefundedAmountUnknown = false
	for _, r := range s.Refunds {
		if r.Status == RefundSucceeded {
			counted += r.AmountMinor
			unknownAmount = unknownAmount || r.AmountMinor == 0
			s.RefundedAmountUnknown = s.RefundedAmountUnknown || r.AmountUnknown
		}
	}
	s.RefundedMinor = max(counted, s.ReportedRefundedMinor)
	switch {
	case s.RefundedInFull || (s.AmountMinor > 0 && s.RefundedMinor >= s.AmountMinor):
		s.Status = StatusRefunded
	case s.RefundedMinor > 0 || unknownAmount:
		s.Status = StatusPartiallyRefunded
	default:
		s.Status = s.Lifecycle
	}
}
