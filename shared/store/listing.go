package store

import (
	"time"

	"github.com/payhook/payhook/shared/payment"
)

// WebhookFilter selects webhooks; empty fields match all.
type WebhookFilter struct {
	Provider string
	Status   Status
	// ReceivedBefore keeps only webhooks received before it.
	ReceivedBefore time.Time
	// WithoutBodies leaves each webhook's body and signature headers out:
	// a listing for people, which then holds one body at a time rather
	// than every one (556 MB for 120,000 webhooks, docs/benchmarks.md).
	WithoutBodies bool
}

// Matches reports whether w passes the filter.
func (f WebhookFilter) Matches(w Webhook) bool {
	return (f.Provider == "" || w.Provider == f.Provider) && (f.Status == "" || w.Status == f.Status) &&
		(f.ReceivedBefore.IsZero() || w.ReceivedAt.Before(f.ReceivedBefore))
}

// ListWebhooks is what every adapter's listing does with the items it
// scans: it visits each with scan and keeps the webhooks filter passes.
func ListWebhooks(scan func(visit func(Item) error) error, filter WebhookFilter) ([]Webhook, error) {
	var out []Webhook
	err := scan(func(item Item) error {
		if KindOf(item) != KindWebhook {
			return nil
		}
		w, err := DecodeWebhook(item)
		if err == nil && filter.Matches(w) {
			if filter.WithoutBodies {
				w.Body, w.SignatureHeaders = nil, nil
			}
			out = append(out, w)
		}
		return err
	})
	return out, err
}

// ListPayments keeps the payments among the items scan visits.
func ListPayments(scan func(visit func(Item) error) error) ([]payment.State, error) {
	var out []payment.State
	err := scan(func(item Item) error {
		if KindOf(item) != KindPayment {
			return nil
		}
		p, err := DecodePayment(item)
		if err == nil {
			out = append(out, p)
		}
		return err
	})
	return out, err
}
