package payment

import (
	"slices"
	"time"
)

// Status is where a payment stands.
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
// was never disputed has none ("").
const (
	DisputeStateOpen   = "open"
	DisputeStateClosed = "closed"
)

var statusOf = map[Type]Status{
	Pending: StatusPending, Succeeded: StatusSucceeded, Failed: StatusFailed, Canceled: StatusCanceled,
	PartiallyRefunded: StatusPartiallyRefunded, Refunded: StatusRefunded,
}

// forward lists the status changes that move a payment on, whatever the
// events' times: providers do not deliver in order, and a late event must
// never move a payment back (a succeeded after a refund does not undo it).
// A failed payment can be retried; canceled and refunded are final.
var forward = map[Status][]Status{
	StatusNew:               {StatusPending, StatusSucceeded, StatusFailed, StatusCanceled, StatusPartiallyRefunded, StatusRefunded},
	StatusPending:           {StatusSucceeded, StatusFailed, StatusCanceled, StatusPartiallyRefunded, StatusRefunded},
	StatusFailed:            {StatusPending, StatusSucceeded, StatusCanceled},
	StatusSucceeded:         {StatusPartiallyRefunded, StatusRefunded},
	StatusPartiallyRefunded: {StatusPartiallyRefunded, StatusRefunded},
}

// HistoryLimit bounds the applied event ids kept on a payment. It is a
// record, not the deduplication: the webhook's own status does that.
const HistoryLimit = 100

// State is one payment as payhook knows it.
type State struct {
	Provider       string    `json:"provider"`
	PaymentID      string    `json:"payment_id"`
	Status         Status    `json:"status"`
	AmountMinor    int64     `json:"amount_minor"`
	RefundedMinor  int64     `json:"refunded_minor"`
	Currency       string    `json:"currency"`
	Dispute        string    `json:"dispute,omitempty"`
	LastEventID    string    `json:"last_event_id"`
	LastOccurredAt time.Time `json:"last_occurred_at"`
	// Version counts applied events; writes are conditioned on it.
	Version int64    `json:"version"`
	History []string `json:"history"`
}

// Outcome says what Apply did with an event.
type Outcome string

const (
	Applied        Outcome = "applied"
	AlreadyApplied Outcome = "already_applied"
	OutOfOrder     Outcome = "out_of_order"
	NotAPayment    Outcome = "not_a_payment_event"
)

// Apply returns the state after e, and what happened. s is not changed.
func (s State) Apply(e Event) (State, Outcome) {
	if e.Type == Other || e.PaymentID == "" {
		return s, NotAPayment
	}
	if slices.Contains(s.History, e.EventID) {
		return s, AlreadyApplied
	}
	next := s
	next.History = slices.Clone(s.History)
	newer := s.LastOccurredAt.IsZero() || e.OccurredAt.After(s.LastOccurredAt)
	switch e.Type {
	case DisputeOpened, DisputeClosed:
		if !next.applyDispute(e.Type, newer) {
			return s, OutOfOrder
		}
	default:
		if !next.applyPayment(e, newer) {
			return s, OutOfOrder
		}
	}
	next.Provider, next.PaymentID = e.Provider, e.PaymentID
	if next.Currency == "" {
		next.Currency = e.Currency
	}
	if newer {
		next.LastEventID, next.LastOccurredAt = e.EventID, e.OccurredAt
	}
	next.Version++
	next.History = append(next.History, e.EventID)
	if len(next.History) > HistoryLimit {
		next.History = next.History[len(next.History)-HistoryLimit:]
	}
	return next, Applied
}

func (s *State) applyPayment(e Event, newer bool) bool {
	target := statusOf[e.Type]
	refund := target == StatusPartiallyRefunded || target == StatusRefunded
	switch {
	case slices.Contains(forward[s.Status], target):
	case target == s.Status && newer && !refund:
		// The same status again, newer: it may carry a corrected amount.
	case !refund && s.AmountMinor == 0 && e.AmountMinor > 0:
		// Too late to move the status (a refund came first), but the only
		// word yet on the payment's amount: keep that, nothing else.
		s.AmountMinor = e.AmountMinor
		return true
	default:
		return false
	}
	if !refund {
		s.Status = target
		if e.AmountMinor > 0 {
			s.AmountMinor = e.AmountMinor
		}
		return true
	}
	if e.RefundedTotal {
		s.RefundedMinor = max(s.RefundedMinor, e.AmountMinor)
	} else {
		s.RefundedMinor += e.AmountMinor
	}
	s.Status = StatusPartiallyRefunded
	if target == StatusRefunded || (s.AmountMinor > 0 && s.RefundedMinor >= s.AmountMinor) {
		s.Status = StatusRefunded
	}
	return true
}

// applyDispute opens or closes. A close is final for that dispute; an open
// after a close counts only if it is newer (a second dispute), never a late
// delivery of the first one's opening.
func (s *State) applyDispute(t Type, newer bool) bool {
	switch {
	case t == DisputeClosed:
		s.Dispute = DisputeStateClosed
	case s.Dispute == DisputeStateClosed && !newer:
		return false
	default:
		s.Dispute = DisputeStateOpen
	}
	return true
}
