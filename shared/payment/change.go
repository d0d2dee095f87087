package payment

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
