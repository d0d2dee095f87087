package operate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/store"
)

// Filter selects webhooks: what every listing and bulk action takes, from
// the CLI's flags, the admin API's parameters or a console's form. Empty
// fields match all.
type Filter struct {
	Provider string       `json:"provider,omitempty"`
	Status   store.Status `json:"status,omitempty"`
	// Type is the provider's event type, as stored.
	Type string `json:"type,omitempty"`
	// Source is store.SourceWebhook or store.SourceReconcile.
	Source string `json:"source,omitempty"`
	// Payment is "<provider>/<payment id>", as every view spells it.
	Payment string `json:"payment,omitempty"`
	// Since and Until bound when webhooks were received: [Since, Until).
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
}

// ParseTime reads a time as a filter's since and until take it from a
// person: RFC 3339, a local date and time, a date, or an age before now
// (90m, 36h, 7d).
func ParseTime(s string, now time.Time) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	if age, err := time.ParseDuration(s); err == nil && age >= 0 {
		return now.Add(-age), nil
	}
	return time.Time{}, fmt.Errorf("%q: want a time such as 2026-05-01T10:00:00Z or 2026-05-01, or an age such as 90m or 7d", s)
}

// Page asks for one page of a listing: from Cursor (a page's Next; empty
// for the first), at most Limit items (store.DefaultQueryLimit when zero).
type Page struct {
	Cursor string `json:"cursor,omitempty"`
	Limit  int    `json:"limit,omitempty"`
}

// Statuses are a webhook's statuses, as a filter takes them.
var Statuses = []store.Status{store.StatusReceived, store.StatusProcessed, store.StatusFailed, store.StatusRetry}

// Sources are how a webhook can reach payhook.
var Sources = []string{store.SourceWebhook, store.SourceReconcile}

// Check puts f in canonical form (a status in capitals) and refuses what
// matches nothing payhook stores, naming the values that would.
func (f Filter) Check() (Filter, error) {
	if f.Provider != "" {
		if err := CheckProvider(f.Provider); err != nil {
			return f, err
		}
	}
	if given := f.Status; given != "" {
		f.Status = store.Status(strings.ToUpper(string(given)))
		if !slices.Contains(Statuses, f.Status) {
			return f, fmt.Errorf("status %q: want one of %s (in any case)", given, strings.Join(statusNames(), ", "))
		}
	}
	if f.Source != "" && !slices.Contains(Sources, f.Source) {
		return f, fmt.Errorf("source %q: want %s", f.Source, strings.Join(Sources, " or "))
	}
	if f.Payment != "" {
		if _, _, err := ParsePayment(f.Payment); err != nil {
			return f, err
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return f, errors.New("since must come before until")
	}
	return f, nil
}

func statusNames() []string {
	names := make([]string, len(Statuses))
	for i, s := range Statuses {
		names[i] = string(s)
	}
	return names
}

// CheckProvider refuses a name no webhook is stored under: a provider's,
// or "standard:<sender>".
func CheckProvider(name string) error {
	_, known := registry.Lookup(payment.Family(name))
	if !known || !payment.IsProviderName(name) || (name != payment.Family(name) && payment.Family(name) != "standard") {
		return fmt.Errorf("provider %q: want one of %s (or standard:<sender>)", name, strings.Join(registry.Names(), ", "))
	}
	return nil
}

// ParsePayment reads "<provider>/<payment id>": provider names hold no
// '/', payment ids may.
func ParsePayment(key string) (provider, paymentID string, err error) {
	provider, paymentID, ok := strings.Cut(key, "/")
	if !ok || paymentID == "" {
		return "", "", fmt.Errorf("payment %q: want <provider>/<payment id>, such as stripe/pi_123", key)
	}
	return provider, paymentID, CheckProvider(provider)
}

// query is the store query of f's page.
func (f Filter) query(p Page) (store.WebhookQuery, error) {
	f, err := f.Check()
	if err != nil {
		return store.WebhookQuery{}, err
	}
	q := store.WebhookQuery{Provider: f.Provider, Status: f.Status, EventType: f.Type, Source: f.Source, Since: f.Since, Until: f.Until, After: p.Cursor, Limit: p.Limit}
	if f.Payment != "" {
		provider, id, _ := ParsePayment(f.Payment)
		q.PaymentKey = store.PaymentKey(provider, id)
	}
	return q, nil
}

// page reads one page of the webhooks f selects.
func (d Table) page(ctx context.Context, f Filter, p Page) (store.WebhookPage, error) {
	q, err := f.query(p)
	if err != nil {
		return store.WebhookPage{}, err
	}
	return d.Store.QueryWebhooks(ctx, q)
}

// WebhookView is a stored webhook as an operator sees it: everything but
// the body and signatures. Every string but the status, outcome and
// source came from whoever sent the webhook: render it inert.
type WebhookView struct {
	Provider   string       `json:"provider"`
	EventID    string       `json:"event_id"`
	EventType  string       `json:"event_type"`
	Status     store.Status `json:"status"`
	ReceivedAt time.Time    `json:"received_at"`
	OccurredAt time.Time    `json:"occurred_at,omitzero"`
	Attempts   int          `json:"attempts"`
	LastError  string       `json:"last_error,omitempty"`
	// PaymentKey is the payment the event is about, "<provider>/<payment id>".
	PaymentKey string `json:"payment_key,omitempty"`
	// Outcome is what processing did (applied, or why not), with the
	// reason when the event changed nothing.
	Outcome       string `json:"outcome,omitempty"`
	OutcomeReason string `json:"outcome_reason,omitempty"`
	// Change is what an applied event did to its payment.
	Change *payment.Change `json:"change,omitempty"`
	// Source is how the event arrived: "webhook", or "reconcile" when it
	// was fetched from the provider's API after its delivery was missed.
	Source string `json:"source"`
	// UpdatedAt is when it was last written (processed, failed,
	// redriven), and UpdatedBy by what.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	UpdatedBy string    `json:"updated_by,omitempty"`
}

func viewOf(w store.Webhook) WebhookView {
	return WebhookView{Provider: w.Provider, EventID: w.EventID, EventType: w.EventType, Status: w.Status, ReceivedAt: w.ReceivedAt,
		OccurredAt: w.OccurredAt, Attempts: w.Attempts, LastError: w.LastError, PaymentKey: store.Display(w.PaymentKey), Outcome: w.Outcome,
		OutcomeReason: w.OutcomeReason, Change: w.Change, Source: w.Source, UpdatedAt: w.UpdatedAt, UpdatedBy: w.UpdatedBy}
}

// EventPage is one page of webhooks, newest first.
type EventPage struct {
	Events []WebhookView `json:"events"`
	// Next asks for the page after this one; empty at the end.
	Next string `json:"next,omitempty"`
}

// EventDetail is everything payhook holds about one webhook.
type EventDetail struct {
	WebhookView
	// Body is the stored body, as the provider sent it: written by a
	// stranger, so rendered inert wherever it is shown.
	Body         string       `json:"body"`
	SourceIP     string       `json:"source_ip,omitempty"`
	RequestID    string       `json:"request_id,omitempty"`
	ExpiresAt    time.Time    `json:"expires_at,omitzero"`
	Verification Verification `json:"verification"`
	// Canonical is the event the body becomes; CanonicalError says why
	// it becomes none.
	Canonical      *payment.Event `json:"canonical,omitempty"`
	CanonicalError string         `json:"canonical_error,omitempty"`
	// MessageID is the webhook-id its forwarded messages carry.
	MessageID string `json:"message_id,omitempty"`
	// Audit is its audit records (and its payment's change), oldest
	// first; AuditNote says where they are when they are not here.
	Audit     []audit.Record `json:"audit"`
	AuditNote string         `json:"audit_note,omitempty"`
	// Forwards is what became of its message at each destination;
	// ForwardsNote says where that is when it is not here.
	Forwards     []store.ForwardRecord `json:"forwards"`
	ForwardsNote string                `json:"forwards_note,omitempty"`
}

// Verification is how a webhook was proven genuine.
type Verification struct {
	// Outcome is always a success: payhook stores nothing it could not
	// verify. It says by what.
	Outcome string `json:"outcome"`
	// Headers are the headers the signature was checked with. A signature
	// is shown by name only: with its body it is a credential, replayable
	// wherever that body is accepted.
	Headers []VerifiedHeader `json:"headers,omitempty"`
}

// VerifiedHeader is one header a verification used; Value is empty when
// Hidden.
type VerifiedHeader struct {
	Name   string `json:"name"`
	Value  string `json:"value,omitempty"`
	Hidden bool   `json:"hidden,omitempty"`
}

// verificationOf says how w was verified, signatures hidden.
func verificationOf(w store.Webhook) Verification {
	if w.Source == store.SourceReconcile {
		return Verification{Outcome: "fetched from " + w.Provider + "'s event API with payhook's credentials (no signature: the provider's own answer)"}
	}
	v := Verification{Outcome: "signature verified on the raw body before it was stored"}
	names := make([]string, 0, len(w.SignatureHeaders))
	for name := range w.SignatureHeaders {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		h := VerifiedHeader{Name: name, Value: w.SignatureHeaders[name]}
		if strings.Contains(strings.ToLower(name), "sig") {
			h.Value, h.Hidden = "", true
		}
		v.Headers = append(v.Headers, h)
	}
	if len(names) == 0 {
		v.Outcome = "signature verified on the raw body before it was stored (" + w.Provider + " signs inside the body)"
	}
	return v
}

// Timeline bounds a payment's timeline: a payment has a few dozen
// events; one with more shows its newest.
const maxTimeline = 1000

// PaymentDetail is a payment's state and every event that touched it.
type PaymentDetail struct {
	// Payment is "<provider>/<payment id>".
	Payment string `json:"payment"`
	// State is nil while no event has changed the payment.
	State *payment.State `json:"state,omitempty"`
	// Timeline is its webhooks in the order they were processed: what each
	// changed, or why it changed nothing.
	Timeline []WebhookView `json:"timeline"`
	// Truncated says older events were left out.
	Truncated bool `json:"truncated,omitempty"`
}

// maxAuditRecords bounds the audit records an event shows.
const maxAuditRecords = 100

func (d Table) Events(ctx context.Context, f Filter, p Page) (EventPage, error) {
	page, err := d.page(ctx, f, p)
	if err != nil {
		return EventPage{}, err
	}
	out := EventPage{Events: make([]WebhookView, len(page.Webhooks)), Next: page.Next}
	for i, w := range page.Webhooks {
		out.Events[i] = viewOf(w)
	}
	return out, nil
}

func (d Table) Event(ctx context.Context, provider, eventID string) (EventDetail, error) {
	if err := CheckProvider(provider); err != nil {
		return EventDetail{}, err
	}
	w, err := d.Store.GetWebhook(ctx, provider, eventID)
	if errors.Is(err, store.ErrNotFound) {
		return EventDetail{}, fmt.Errorf("%s/%s: no such webhook (payhook events lists them): %w", provider, eventID, err)
	}
	if err != nil {
		return EventDetail{}, err
	}
	detail := EventDetail{
		WebhookView: viewOf(w), Body: string(w.Body), SourceIP: w.SourceIP, RequestID: w.RequestID, ExpiresAt: w.ExpiresAt,
		Verification: verificationOf(w), MessageID: forward.MessageID(w.Provider, w.EventID), Audit: []audit.Record{}, Forwards: []store.ForwardRecord{},
	}
	occurred := cmp.Or(w.OccurredAt, w.ReceivedAt)
	event, err := registry.Normalize(payment.Delivery{Provider: w.Provider, EventID: w.EventID, EventType: w.EventType, Body: w.Body, OccurredAt: occurred})
	if err != nil {
		detail.CanonicalError = err.Error()
	} else {
		detail.Canonical = &event
	}
	if detail.Audit, detail.AuditNote, err = d.auditOf(w); err != nil {
		return EventDetail{}, err
	}
	if d.Outbox == nil {
		detail.ForwardsNote = d.forwardsNote(detail.MessageID)
		return detail, nil
	}
	if detail.Forwards, err = d.Outbox.ForwardRecords(ctx, w.Provider, w.EventID); err != nil {
		return EventDetail{}, err
	}
	if detail.Forwards == nil {
		detail.Forwards = []store.ForwardRecord{}
	}
	return detail, nil
}

// auditOf reads w's audit records, and its payment's record of the
// change it made.
func (d Table) auditOf(w store.Webhook) ([]audit.Record, string, error) {
	if d.AuditTrail == nil {
		return []audit.Record{}, d.auditNote(w), nil
	}
	trail, err := d.AuditTrail()
	if errors.Is(err, fs.ErrNotExist) {
		return []audit.Record{}, "no audit trail yet: serve writes it", nil
	}
	if err != nil {
		return nil, "", err
	}
	defer func() { _ = trail.Close() }() // read only
	pk, _ := store.WebhookKey(w.Provider, w.EventID)
	version := ""
	if w.Change != nil {
		version = fmt.Sprint(w.Change.VersionTo)
	}
	records, err := audit.Find(trail, func(r audit.Record) bool {
		return r.PK == pk || (version != "" && r.PK == w.PaymentKey && r.NewVersion == version)
	}, maxAuditRecords)
	if records == nil {
		records = []audit.Record{}
	}
	return records, "", err
}

// auditNote says where w's audit records are on AWS: the auditor's log
// group, which CloudWatch Logs Insights or filter-log-events search. They
// are not read here: that needs logs:FilterLogEvents over a KMS-encrypted
// group, and no emulator of CloudWatch Logs exists to test it.
func (d Table) auditNote(w store.Webhook) string {
	if d.Name == "" {
		return "no audit trail here"
	}
	pk, _ := store.WebhookKey(w.Provider, w.EventID)
	return fmt.Sprintf("in the auditor's CloudWatch Logs: aws logs filter-log-events --log-group-name /aws/lambda/%s-auditor --filter-pattern '{ $.audit.pk = %q }'", d.Name, pk)
}

// forwardsNote says where forwarding's attempts are on AWS: the
// forwarder's log group, each attempt a line with the message's id.
func (d Table) forwardsNote(messageID string) string {
	if d.Name == "" {
		return "no forwarding here"
	}
	return fmt.Sprintf("on AWS each attempt is a line of the forwarder's CloudWatch Logs: aws logs filter-log-events --log-group-name /aws/lambda/%s-forwarder --filter-pattern '{ $.webhook_id = %q }'; "+
		"given up messages are on each destination's queue %s-forward-<name>-dlq", d.Name, messageID, d.Name)
}

func (d Table) Payment(ctx context.Context, key string) (PaymentDetail, error) {
	provider, id, err := ParsePayment(key)
	if err != nil {
		return PaymentDetail{}, err
	}
	detail := PaymentDetail{Payment: provider + "/" + id, Timeline: []WebhookView{}}
	state, err := d.Store.GetPayment(ctx, provider, id)
	switch {
	case err == nil:
		detail.State = &state
	case !errors.Is(err, store.ErrNotFound):
		return PaymentDetail{}, err
	}
	q := store.WebhookQuery{PaymentKey: store.PaymentKey(provider, id), Limit: store.MaxQueryLimit}
	for {
		page, err := d.Store.QueryWebhooks(ctx, q)
		if err != nil {
			return PaymentDetail{}, err
		}
		for _, w := range page.Webhooks {
			if len(detail.Timeline) == maxTimeline {
				detail.Truncated = true
				break
			}
			detail.Timeline = append(detail.Timeline, viewOf(w))
		}
		if page.Next == "" || detail.Truncated {
			break
		}
		q.After = page.Next
	}
	if detail.State == nil && len(detail.Timeline) == 0 {
		return PaymentDetail{}, fmt.Errorf("payment %s: no event about it is stored (payhook payments lists them): %w", detail.Payment, store.ErrNotFound)
	}
	// In the order processing met them: by when each was processed.
	slices.SortStableFunc(detail.Timeline, func(a, b WebhookView) int {
		return cmp.Or(a.UpdatedAt.Compare(b.UpdatedAt), a.ReceivedAt.Compare(b.ReceivedAt))
	})
	return detail, nil
}

func (d Table) Webhooks(ctx context.Context, filter store.WebhookFilter) ([]WebhookView, error) {
	filter.WithoutBodies = true // a view shows neither
	webhooks, err := d.Store.ListWebhooks(ctx, filter)
	if err != nil {
		return nil, err
	}
	views := make([]WebhookView, len(webhooks))
	for i, w := range webhooks {
		views[i] = viewOf(w)
	}
	return views, nil
}

func (d Table) Payments(ctx context.Context) ([]payment.State, error) {
	return d.Store.ListPayments(ctx)
}
