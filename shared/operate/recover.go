package operate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/store"
)

// BulkPage is what one page of a bulk action did: a redrive or a resend
// by filter, run a page at a time so that memory and each call stay
// bounded whatever the backlog. Run pages until Next is empty (Drive).
type BulkPage struct {
	// Matched counts the webhooks the page found; with DryRun, nothing
	// else was done.
	Matched int `json:"matched"`
	// Done names ("<provider>/<event id>") what was redriven or resent.
	Done []string `json:"done"`
	// Skipped names what was left alone, each with why.
	Skipped []string `json:"skipped"`
	Next    string   `json:"next,omitempty"`
}

// BulkRequest is one page of a bulk action.
type BulkRequest struct {
	Filter Filter `json:"filter"`
	Page   Page   `json:"page"`
	// DryRun counts what would be acted on, and acts on nothing.
	DryRun bool `json:"dry_run,omitempty"`
}

// RedriveStatuses are the statuses a redrive by filter takes back:
// FAILED, and RECEIVED ones that processing gave up on (received before
// the filter's Until).
var RedriveStatuses = []store.Status{store.StatusFailed, store.StatusReceived}

// CheckRedrive gives a redrive's filter its default status, FAILED, and
// refuses one that would take back webhooks in flight or done.
func CheckRedrive(f Filter) (Filter, error) {
	f.Status = cmp.Or(f.Status, store.StatusFailed)
	f, err := f.Check()
	switch {
	case err != nil:
		return f, err
	case f.Status == store.StatusReceived && f.Until.IsZero():
		return f, errors.New("a redrive of RECEIVED webhooks needs until: those still RECEIVED then, which processing gave up on (not those in flight now)")
	case f.Status != store.StatusFailed && f.Status != store.StatusReceived:
		return f, fmt.Errorf("status %s: a redrive takes back FAILED webhooks, or RECEIVED ones processing gave up on", f.Status)
	}
	return f, nil
}

// RedriveMatching sets the page's FAILED webhooks (or RECEIVED ones
// received before Until) to RETRY, each on condition that it has not
// moved meanwhile; the stream hands them back to the processor. The
// dead-letter queue's messages naming them stay: a later redrive --all
// finds them moot and deletes them.
func (d Table) RedriveMatching(ctx context.Context, req BulkRequest) (BulkPage, error) {
	f, err := CheckRedrive(req.Filter)
	if err != nil {
		return BulkPage{}, err
	}
	page, err := d.page(ctx, f, req.Page)
	if err != nil {
		return BulkPage{}, err
	}
	out := BulkPage{Matched: len(page.Webhooks), Next: page.Next, Done: []string{}, Skipped: []string{}}
	if req.DryRun || len(page.Webhooks) == 0 {
		return out, nil
	}
	redrive := func(st store.Processing) error {
		for _, w := range page.Webhooks {
			name := w.Provider + "/" + w.EventID
			var err error
			if f.Status == store.StatusReceived {
				err = store.MarkStuckRetry(ctx, st, w.Provider, w.EventID, f.Until)
			} else {
				err = store.MarkRetry(ctx, st, w.Provider, w.EventID)
			}
			switch {
			case err == nil:
				out.Done = append(out.Done, name)
			case errors.Is(err, store.ErrWebhookNotPending), errors.Is(err, store.ErrNotFound):
				out.Skipped = append(out.Skipped, name+": moved on meanwhile")
			default:
				return err
			}
		}
		return nil
	}
	if d.Transact == nil {
		return out, redrive(d.Store)
	}
	// The embedded store: one commit for the page, not one per webhook.
	return out, d.Transact(ctx, redrive)
}

// ResendRequest names what to send to the user's endpoints again: one
// event, a payment's events, or a filter's; each only if it was applied.
type ResendRequest struct {
	BulkRequest
	// Provider and EventID name one event; Filter.Payment a payment's.
	Provider string `json:"provider,omitempty"`
	EventID  string `json:"event_id,omitempty"`
	// Destination, when set, is the one destination to send to (its name:
	// a URL locally, the event_destinations name on AWS); otherwise every
	// destination that wants the event's type.
	Destination string `json:"destination,omitempty"`
}

// Resender sends an applied event's message again. A resend keeps the
// message's id (docs/decisions.md): a consumer that handled it already
// drops it; one whose handler failed takes it now.
type Resender interface {
	// Resend queues a's message for destination, or for every destination
	// that wants its type when destination is empty, and names those.
	Resend(ctx context.Context, a payment.Announcement, destination string) ([]string, error)
}

// Resend sends applied events again: the canonical event each webhook
// became, rebuilt from its stored body, with the payment's status and
// version it made, as first sent.
func (d Table) Resend(ctx context.Context, req ResendRequest) (BulkPage, error) {
	if d.Resender == nil {
		return BulkPage{}, errors.New("nothing here forwards payment events: serve with --forward-to, or on AWS give the table of a deployment with event_destinations")
	}
	var webhooks []store.Webhook
	var next string
	if req.EventID != "" {
		if err := CheckProvider(req.Provider); err != nil {
			return BulkPage{}, err
		}
		w, err := d.Store.GetWebhook(ctx, req.Provider, req.EventID)
		if errors.Is(err, store.ErrNotFound) {
			return BulkPage{}, fmt.Errorf("%s/%s: no such webhook (payhook events lists them): %w", req.Provider, req.EventID, err)
		}
		if err != nil {
			return BulkPage{}, err
		}
		webhooks = []store.Webhook{w}
	} else {
		f := req.Filter
		f.Status = store.StatusProcessed
		page, err := d.page(ctx, f, req.Page)
		if err != nil {
			return BulkPage{}, err
		}
		// Oldest first within the page: locally a destination's queue keeps
		// a payment's messages in the order they are queued. (Across pages
		// the order is the listing's; each message carries the payment's
		// version, which consumers order by.)
		webhooks, next = page.Webhooks, page.Next
		slices.Reverse(webhooks)
	}
	out := BulkPage{Next: next, Done: []string{}, Skipped: []string{}}
	for _, listed := range webhooks {
		name := listed.Provider + "/" + listed.EventID
		if listed.Outcome != string(payment.Applied) {
			out.Skipped = append(out.Skipped, name+": "+notApplied(listed))
			continue
		}
		if listed.Change == nil {
			out.Skipped = append(out.Skipped, name+": processed before payhook recorded what each event changed, so its message cannot be rebuilt as it was sent")
			continue
		}
		out.Matched++
		if req.DryRun {
			continue
		}
		a, err := d.announcement(ctx, listed)
		if err != nil {
			out.Skipped = append(out.Skipped, name+": "+err.Error())
			continue
		}
		to, err := d.Resender.Resend(ctx, a, req.Destination)
		if err != nil {
			return out, err
		}
		if len(to) == 0 {
			out.Skipped = append(out.Skipped, name+": no destination wants "+string(a.Type))
			continue
		}
		out.Done = append(out.Done, name)
	}
	return out, nil
}

// notApplied says why a webhook has no message to resend.
func notApplied(w store.Webhook) string {
	if w.Status != store.StatusProcessed {
		return fmt.Sprintf("%s, not processed: nothing was sent", w.Status)
	}
	return fmt.Sprintf("not applied (%s): it changed no payment, so nothing was sent", w.Outcome)
}

// announcement rebuilds what the processor announced for w.
func (d Table) announcement(ctx context.Context, listed store.Webhook) (payment.Announcement, error) {
	w, err := d.Store.GetWebhook(ctx, listed.Provider, listed.EventID) // with its body
	if err != nil {
		return payment.Announcement{}, err
	}
	occurred := cmp.Or(w.OccurredAt, w.ReceivedAt)
	event, err := registry.Normalize(payment.Delivery{Provider: w.Provider, EventID: w.EventID, EventType: w.EventType, Body: w.Body, OccurredAt: occurred})
	if err != nil {
		return payment.Announcement{}, err
	}
	return payment.Announcement{Event: event, PaymentStatus: listed.Change.StatusTo, PaymentVersion: listed.Change.VersionTo}, nil
}

// Bulk actions' defaults, for the CLI and the console alike.
const (
	// DefaultRate holds a bulk action to what the processor (and the
	// user's endpoints, for a resend) take without a backlog building.
	DefaultRate = 500
	// DefaultPageSize is a page's webhooks: one call and, locally, one
	// commit.
	DefaultPageSize = 500
)

// DriveOptions pace a bulk action run page after page.
type DriveOptions struct {
	// PageSize is each page's limit; Rate, when positive, the most
	// webhooks acted on per second.
	PageSize int
	Rate     float64
	// Progress, when set, is told the totals after each page.
	Progress func(Totals)
}

// Totals sum a bulk action's pages.
type Totals struct {
	Matched, Done, Skipped int
	// Skips names the first skipped webhooks, each with why.
	Skips []string
}

// maxSkipsKept bounds the skipped webhooks a run names.
const maxSkipsKept = 20

// Drive runs step from the first page to the last, paced by opts: what
// the CLI and a console run a bulk redrive, resend or count with.
func Drive(ctx context.Context, step func(Page) (BulkPage, error), opts DriveOptions) (Totals, error) {
	var totals Totals
	started := time.Now()
	page := Page{Limit: opts.PageSize}
	for {
		result, err := step(page)
		if err != nil {
			return totals, err
		}
		totals.Matched += result.Matched
		totals.Done += len(result.Done)
		totals.Skipped += len(result.Skipped)
		for _, skip := range result.Skipped {
			if len(totals.Skips) < maxSkipsKept {
				totals.Skips = append(totals.Skips, skip)
			}
		}
		if opts.Progress != nil {
			opts.Progress(totals)
		}
		if result.Next == "" {
			return totals, nil
		}
		page.Cursor = result.Next
		if opts.Rate > 0 {
			due := started.Add(time.Duration(float64(totals.Done) / opts.Rate * float64(time.Second)))
			select {
			case <-ctx.Done():
				return totals, ctx.Err()
			case <-time.After(time.Until(due)):
			}
		}
	}
}

func (d Table) Redrive(ctx context.Context, provider, eventID string) error {
	return process.Redrive(ctx, d.Store, provider, eventID)
}

func (d Table) RedriveStuck(ctx context.Context, cutoff time.Time) (process.StuckReport, error) {
	return process.RedriveStuck(ctx, d.Store, cutoff)
}

func (d Table) RedriveAll(ctx context.Context) (process.RedriveReport, error) {
	if d.DLQ == nil {
		return process.RedriveReport{}, errors.New("redrive --all needs the dead-letter queue (--dlq-url)")
	}
	return process.RedriveQueue(ctx, d.Store, d.DLQ)
}
