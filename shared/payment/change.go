package payment

import (
	"cmp"
	"fmt"
	"strings"
)

// Change is what one applied event did to its payment: the fields an
// operator reads a payment's timeline by, before and after. It is kept
// on the webhook that made it, so a timeline is read, never replayed.
type Change struct {
	StatusFrom   Status `json:"status_from,omitempty"`
	StatusTo     Status `json:"status_to"`
	AmountFrom   int64  `json:"amount_from"`
	AmountTo     int64  `json:"amount_to"`
	RefundedFrom int64  `json:"refunded_from"`
	RefundedTo   int64  `json:"refunded_to"`
	Currency     string `json:"currency,omitempty"`
	DisputeFrom  string `json:"dispute_from,omitempty"`
	DisputeTo    string `json:"dispute_to,omitempty"`
	VersionFrom  int64  `json:"version_from"`
	VersionTo    int64  `json:"version_to"`
}

// Diff is the change from before to after.
func Diff(before, after State) Change {
	return Change{
		StatusFrom: before.Status, StatusTo: after.Status,
		AmountFrom: before.AmountMinor, AmountTo: after.AmountMinor,
		RefundedFrom: before.RefundedMinor, RefundedTo: after.RefundedMinor,
		Currency:    after.Currency,
		DisputeFrom: before.DisputeStatus, DisputeTo: after.DisputeStatus,
		VersionFrom: before.Version, VersionTo: after.Version,
	}
}

// Summary says in words what the change did, for the CLI and the
// console: "status new -> succeeded, amount 0.00 -> 20.00 USD, version
// 0 -> 1". The dispute status and currency are the provider's: escape
// the summary where it is shown.
func (c Change) Summary() string {
	var parts []string
	if c.StatusFrom != c.StatusTo {
		parts = append(parts, fmt.Sprintf("status %s -> %s", cmp.Or(string(c.StatusFrom), "new"), c.StatusTo))
	}
	if c.AmountFrom != c.AmountTo {
		parts = append(parts, fmt.Sprintf("amount %s -> %s %s", FormatMinor(c.AmountFrom, c.Currency), FormatMinor(c.AmountTo, c.Currency), c.Currency))
	}
	if c.RefundedFrom != c.RefundedTo {
		parts = append(parts, fmt.Sprintf("refunded %s -> %s", FormatMinor(c.RefundedFrom, c.Currency), FormatMinor(c.RefundedTo, c.Currency)))
	}
	if c.DisputeFrom != c.DisputeTo {
		parts = append(parts, fmt.Sprintf("dispute %s -> %s", cmp.Or(c.DisputeFrom, "none"), c.DisputeTo))
	}
	return strings.Join(append(parts, fmt.Sprintf("version %d -> %d", c.VersionFrom, c.VersionTo)), ", ")
}
