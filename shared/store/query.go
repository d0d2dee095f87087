package store

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"time"
)

// WebhookQuery selects webhooks newest first, one page at a time: what
// operators list, inspect and redrive by. Empty fields match all.
type WebhookQuery struct {
	Provider  string
	Status    Status
	EventType string
	Source    string
	// PaymentKey is a payment's PaymentKey: the webhooks about it.
	PaymentKey string
	// Since and Until bound when the webhooks were received: [Since, Until).
	Since, Until time.Time
	// After continues a listing from the Next of its page before.
	After string
	// Limit is the most webhooks a page holds: DefaultQueryLimit when zero.
	Limit int
	// MaxRead bounds the webhooks read for one page, matching or not
	// (DefaultMaxRead when zero): a page may end short of Limit, with Next
	// set, when few webhooks match. What one page costs is bounded,
	// whatever the table holds.
	MaxRead int
}

// Page sizes.
const (
	DefaultQueryLimit = 50
	DefaultMaxRead    = 5000
	// MaxQueryLimit bounds a page: its webhooks, without bodies, are held
	// in memory at once.
	MaxQueryLimit = 1000
)

// WebhookPage is one page of a query: its webhooks, without bodies or
// signature headers, newest first.
type WebhookPage struct {
	Webhooks []Webhook
	// Next continues the query after the last webhook read; empty when
	// nothing is left to read.
	Next string
}

// Query is what operators read webhooks and payments by, in bounded pages.
type Query interface {
	QueryWebhooks(ctx context.Context, q WebhookQuery) (WebhookPage, error)
}

// ErrBadCursor: After is not the Next of a page.
var ErrBadCursor = errors.New("not a cursor payhook gave")

// Matches reports whether w passes the query's filters.
func (q WebhookQuery) Matches(w Webhook) bool {
	return (q.Provider == "" || w.Provider == q.Provider) && (q.Status == "" || w.Status == q.Status) &&
		(q.EventType == "" || w.EventType == q.EventType) && (q.Source == "" || w.Source == q.Source) &&
		(q.PaymentKey == "" || w.PaymentKey == q.PaymentKey) &&
		(q.Since.IsZero() || !w.ReceivedAt.Before(q.Since)) && (q.Until.IsZero() || w.ReceivedAt.Before(q.Until))
}

// Bounded is q with its Limit and MaxRead set and held to their bounds.
func (q WebhookQuery) Bounded() WebhookQuery {
	if q.Limit <= 0 {
		q.Limit = DefaultQueryLimit
	}
	q.Limit = min(q.Limit, MaxQueryLimit)
	if q.MaxRead <= 0 {
		q.MaxRead = DefaultMaxRead
	}
	q.MaxRead = max(q.MaxRead, q.Limit)
	return q
}

// Position is a webhook's place in a listing: listings run by the stored
// received_at string, then the partition key, both descending. Both
// adapters order alike, so a cursor continues where its page ended.
type Position struct {
	ReceivedAt string
	PK         string
}

// PositionOf is w's place in a listing.
func PositionOf(w Webhook) Position {
	pk, _ := WebhookKey(w.Provider, w.EventID)
	return Position{ReceivedAt: formatTime(w.ReceivedAt), PK: pk}
}

// Before reports whether p comes before o in a listing: newer, or as new
// and of a greater key.
func (p Position) Before(o Position) bool {
	if p.ReceivedAt != o.ReceivedAt {
		return p.ReceivedAt > o.ReceivedAt
	}
	return p.PK > o.PK
}

// Cursor encodes p as a page's Next.
func (p Position) Cursor() string {
	return base64.RawURLEncoding.EncodeToString([]byte(p.ReceivedAt + "\x00" + p.PK))
}

// ParseCursor reads a page's Next; "" is the start.
func ParseCursor(cursor string) (Position, bool, error) {
	if cursor == "" {
		return Position{}, false, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return Position{}, false, ErrBadCursor
	}
	at, pk, ok := strings.Cut(string(raw), "\x00")
	if _, err := parseTime(at); !ok || err != nil || at == "" || !strings.HasPrefix(pk, "WEBHOOK#") {
		return Position{}, false, ErrBadCursor
	}
	return Position{ReceivedAt: at, PK: pk}, true, nil
}

// ReceivedRange is the range of stored received_at strings that can hold
// a webhook received in [since, until), at the precision of a second:
// stored times leave out trailing zeros (RFC 3339 with nanoseconds), so
// "10:00:00Z" sorts after "10:00:00.5Z", and only whole seconds compare as
// times do. An adapter reads the range, then holds each webhook to the
// exact bounds (Matches). hi is empty when there is no upper bound.
func ReceivedRange(since, until time.Time) (lo, hi string) {
	if !since.IsZero() {
		lo = since.UTC().Format("2006-01-02T15:04:05")
	}
	if !until.IsZero() {
		// '~' sorts after the '.', digits and 'Z' that may follow.
		hi = until.UTC().Format("2006-01-02T15:04:05") + "~"
	}
	return lo, hi
}

// FormatTime is how times are stored: RFC 3339 with nanoseconds, UTC.
func FormatTime(t time.Time) string { return formatTime(t) }

// Display names a payment as operators see and give it: "<provider>/<payment id>",
// from its PaymentKey (provider names hold no '#' or '/').
func Display(paymentKey string) string {
	rest, ok := strings.CutPrefix(paymentKey, "PAYMENT#")
	if !ok {
		return paymentKey
	}
	provider, id, ok := strings.Cut(rest, "#")
	if !ok {
		return paymentKey
	}
	return provider + "/" + id
}
