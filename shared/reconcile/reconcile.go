// Package reconcile finds the events a provider created that payhook never
// received, in the provider's own list of recent events, and stores them
// through the same conditional write as deliveries: an event already
// stored is a duplicate and left untouched, a missing one is stored
// (source "reconcile") and processed like any other.
//
// An event read from the provider's API over TLS with payhook's own
// credentials is authentic, so it needs no signature.
package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/store"
)

// Store is what reconciliation writes: webhooks, and one checkpoint per
// provider for scheduled runs.
type Store interface {
	store.Webhooks
	store.Checkpoints
}

// Reconciler stores the events a provider lists and payhook lacks.
type Reconciler struct {
	Store Store
	// Retention is how long a provider's webhooks are kept
	// (registry.Retention with the configured retention).
	Retention func(provider string) time.Duration
	// Alerter hears of every scheduled run that recovered events; nil for
	// none.
	Alerter notify.Alerter
	Log     zerolog.Logger
	Clock   func() time.Time
}

// Report is what one run over one provider found.
type Report struct {
	Provider string    `json:"provider"`
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
	// Listed is every event the provider listed in the window.
	Listed int `json:"listed"`
	// AlreadyStored were received (or recovered) before.
	AlreadyStored int `json:"already_stored"`
	// Recovered were missing and are now stored, to be processed.
	Recovered int `json:"recovered"`
	// RecoveredIDs are the recovered events' ids, the first hundred.
	RecoveredIDs []string `json:"recovered_ids,omitempty"`
	// RecoveredPayments are the recovered events about a payment. The
	// others (a customer, a product, a payout) change nothing payhook
	// keeps, and the webhook endpoint may never have subscribed to them:
	// they are stored, but raise no alarm.
	RecoveredPayments int `json:"recovered_payments"`
	// Failed could not be read or stored; the next run lists them again.
	Failed int `json:"failed"`
	// Error is why the run stopped early, if it did.
	Error string `json:"error,omitempty"`
}

const maxRecoveredIDs = 100

// Run lists p's events created in [since, until) from src and stores those
// missing. A listing or storage failure stops the run: the report then
// says how far it got, and the error says why.
func (r *Reconciler) Run(ctx context.Context, p provider.Provider, src provider.EventSource, since, until time.Time) (Report, error) {
	report := Report{Provider: p.Name, Since: since.UTC(), Until: until.UTC()}
	verifier := p.NewVerifier(provider.Config{})
	run := fmt.Sprintf("reconcile-%d", r.now().UnixNano())
	err := src.Events(ctx, since, until, func(events []json.RawMessage) error {
		for _, raw := range events {
			report.Listed++
			if err := r.store(ctx, p, verifier, raw, run, &report); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		report.Error = err.Error()
	}
	r.Log.Info().Str("provider", p.Name).Time("since", since).Time("until", until).Int("listed", report.Listed).
		Int("already_stored", report.AlreadyStored).Int("recovered", report.Recovered).Int("recovered_payments", report.RecoveredPayments).Int("failed", report.Failed).
		Strs("recovered_ids", report.RecoveredIDs).AnErr("error", err).Msg("reconciled")
	return report, err
}

// store stores one listed event unless it is stored already. An event
// payhook cannot read counts as failed and the run goes on; a store that
// fails stops the run.
func (r *Reconciler) store(ctx context.Context, p provider.Provider, verifier provider.Verifier, raw json.RawMessage, run string, report *Report) error {
	envelopes, err := verifier.Parse(provider.Delivery{Body: raw})
	if err != nil || len(envelopes) != 1 {
		report.Failed++
		r.Log.Warn().Str("provider", p.Name).AnErr("error", err).Msg("a listed event payhook cannot read")
		return nil
	}
	e := envelopes[0]
	now := r.now()
	created, err := r.Store.PutWebhook(ctx, store.Webhook{
		Provider:   p.Name,
		EventID:    e.EventID,
		EventType:  e.EventType,
		ReceivedAt: now,
		OccurredAt: e.OccurredAt,
		Body:       e.Body,
		RequestID:  run,
		Status:     store.StatusReceived,
		ExpiresAt:  now.Add(r.Retention(p.Name)),
		UpdatedBy:  store.ByReconcile,
		UpdatedAt:  now,
		Source:     store.SourceReconcile,
	})
	switch {
	case errors.Is(err, store.ErrRejected):
		report.Failed++
		r.Log.Warn().Str("provider", p.Name).Str("event_id", e.EventID).Err(err).Msg("a listed event the store refuses")
		return nil
	case err != nil:
		return fmt.Errorf("store %s: %w", e.EventID, err)
	case created:
		report.Recovered++
		canonical, err := registry.Normalize(payment.Delivery{Provider: p.Name, EventID: e.EventID, EventType: e.EventType, Body: e.Body, OccurredAt: e.OccurredAt})
		if err != nil || canonical.Type != payment.Other {
			report.RecoveredPayments++
		}
		if len(report.RecoveredIDs) < maxRecoveredIDs {
			report.RecoveredIDs = append(report.RecoveredIDs, e.EventID)
		}
	default:
		report.AlreadyStored++
	}
	return nil
}

func (r *Reconciler) now() time.Time {
	if r.Clock != nil {
		return r.Clock()
	}
	return time.Now()
}
