// Package operate is what an operator does to a payhook deployment: list
// webhooks and payments, redrive failed webhooks, reconcile against a
// provider's event API. Table does it on a store
// and its dead-letter queue directly (the embedded store, or DynamoDB and
// SQS on AWS); Remote asks a running payhook serve's admin API, which
// AdminHandler serves.
package operate

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/reconcile"
	"github.com/payhook/payhook/shared/store"
)

// WebhookView is a stored webhook as an operator sees it: everything but
// the body and signatures.
type WebhookView struct {
	Provider   string       `json:"provider"`
	EventID    string       `json:"event_id"`
	EventType  string       `json:"event_type"`
	Status     store.Status `json:"status"`
	ReceivedAt time.Time    `json:"received_at"`
	OccurredAt time.Time    `json:"occurred_at,omitzero"`
	Attempts   int          `json:"attempts"`
	LastError  string       `json:"last_error,omitempty"`
	PaymentKey string       `json:"payment_key,omitempty"`
	// Outcome is what processing did (applied, or why not), with the
	// reason when the event changed nothing.
	Outcome       string `json:"outcome,omitempty"`
	OutcomeReason string `json:"outcome_reason,omitempty"`
	// Source is how the event arrived: "webhook", or "reconcile" when it
	// was fetched from the provider's API after its delivery was missed.
	Source string `json:"source"`
}

// Operator is what the events, payments and redrive commands do.
type Operator interface {
	Webhooks(ctx context.Context, filter store.WebhookFilter) ([]WebhookView, error)
	Payments(ctx context.Context) ([]payment.State, error)
	Redrive(ctx context.Context, provider, eventID string) error
	RedriveAll(ctx context.Context) (process.RedriveReport, error)
	// RedriveStuck moves webhooks RECEIVED before cutoff to RETRY.
	RedriveStuck(ctx context.Context, cutoff time.Time) (process.StuckReport, error)
	// Reconcile stores the events provider created in [since, until) that
	// were never received.
	Reconcile(ctx context.Context, provider string, since, until time.Time) (reconcile.Report, error)
	Forwarding
}

// Table operates on a store and its dead-letter queue (nil when unknown).
type Table struct {
	Store store.Table
	DLQ   deadletter.Queue
	// Outbox is the embedded store's forwarding outbox; nil on AWS.
	Outbox store.Outbox
	// Reconciler and Sources reconcile on demand; Sources finds a
	// provider's event API with the credentials at hand.
	Reconciler *reconcile.Reconciler
	Sources    func(provider string) (reconcile.Source, error)
}

func (d Table) Webhooks(ctx context.Context, filter store.WebhookFilter) ([]WebhookView, error) {
	filter.WithoutBodies = true // a view shows neither
	webhooks, err := d.Store.ListWebhooks(ctx, filter)
	if err != nil {
		return nil, err
	}
	views := make([]WebhookView, len(webhooks))
	for i, w := range webhooks {
		views[i] = WebhookView{Provider: w.Provider, EventID: w.EventID, EventType: w.EventType, Status: w.Status, ReceivedAt: w.ReceivedAt,
			OccurredAt: w.OccurredAt, Attempts: w.Attempts, LastError: w.LastError, PaymentKey: w.PaymentKey, Outcome: w.Outcome, OutcomeReason: w.OutcomeReason, Source: w.Source}
	}
	return views, nil
}

func (d Table) Payments(ctx context.Context) ([]payment.State, error) {
	return d.Store.ListPayments(ctx)
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

func (d Table) Reconcile(ctx context.Context, provider string, since, until time.Time) (reconcile.Report, error) {
	if d.Reconciler == nil || d.Sources == nil {
		return reconcile.Report{}, errors.New("this operator cannot reconcile")
	}
	source, err := d.Sources(provider)
	if err != nil {
		return reconcile.Report{}, err
	}
	return d.Reconciler.Run(ctx, source.Provider, source.Events, since, until)
}

// AdminHandler serves an Operator to the CLI while serve holds the store,
// and the routes more adds (nil: none). Every call must carry the token
// from the data directory's serve.json: this is the one place it is
// checked.
func AdminHandler(op Operator, token string, more func(*http.ServeMux)) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/webhooks", func(w http.ResponseWriter, r *http.Request) {
		filter := store.WebhookFilter{Provider: r.URL.Query().Get("provider"), Status: store.Status(r.URL.Query().Get("status"))}
		if before := r.URL.Query().Get("received_before"); before != "" {
			t, err := time.Parse(time.RFC3339Nano, before)
			if err != nil {
				Reply(w, nil, errors.New("received_before must be an RFC 3339 time"))
				return
			}
			filter.ReceivedBefore = t
		}
		views, err := op.Webhooks(r.Context(), filter)
		Reply(w, views, err)
	})
	mux.HandleFunc("GET /admin/payments", func(w http.ResponseWriter, r *http.Request) {
		payments, err := op.Payments(r.Context())
		Reply(w, payments, err)
	})
	mux.HandleFunc("POST /admin/redrive", func(w http.ResponseWriter, r *http.Request) {
		var req redriveRequest
		if err := decode(r, &req); err != nil {
			Reply(w, nil, errors.New("body must be a redrive request"))
			return
		}
		if req.All {
			report, err := op.RedriveAll(r.Context())
			Reply(w, report, err)
			return
		}
		if !req.StuckBefore.IsZero() {
			report, err := op.RedriveStuck(r.Context(), req.StuckBefore)
			Reply(w, report, err)
			return
		}
		Reply(w, map[string]string{}, op.Redrive(r.Context(), req.Provider, req.EventID))
	})
	mux.HandleFunc("POST /admin/reconcile", func(w http.ResponseWriter, r *http.Request) {
		var req reconcileRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Provider == "" || !req.Since.Before(req.Until) {
			Reply(w, nil, errors.New("body must be a reconcile request: a provider, and since before until"))
			return
		}
		report, err := op.Reconcile(r.Context(), req.Provider, req.Since, req.Until)
		if err != nil && report.Provider != "" {
			// The report says how far the run got; the CLI prints both.
			report.Error = err.Error()
			Reply(w, report, nil)
			return
		}
		Reply(w, report, err)
	})
	forwardRoutes(mux, op, Reply)
	if more != nil {
		more(mux)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == helloPath {
			// The one call without the token: it proves this server holds
			// it, so that the CLI never sends the token to an impostor.
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte(proof(token, r.URL.Query().Get("nonce"))))
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+token)) != 1 {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// Reply answers an admin request with v as JSON, or with err as Remote
// reads an error.
func Reply(w http.ResponseWriter, v any, err error) {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()}) // the CLI's to read
		return
	}
	_ = json.NewEncoder(w).Encode(v) // likewise
}

const helloPath = "/admin/hello"

// decode reads a request's JSON body into v.
func decode(r *http.Request, v any) error { return json.NewDecoder(r.Body).Decode(v) }

// proof is what a server holding token answers to nonce.
func proof(token, nonce string) string {
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte("payhook admin hello\x00" + nonce))
	return hex.EncodeToString(mac.Sum(nil))
}

// ProveServe asks the admin API at url to prove that it holds token,
// without sending the token: a fresh nonce, and an HMAC of it in answer.
func ProveServe(ctx context.Context, url, token string) error {
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return err
	}
	encoded := hex.EncodeToString(nonce[:])
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+helloPath+"?nonce="+encoded, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }() // read only
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 256))
	if err != nil {
		return err
	}
	if !hmac.Equal(answer, []byte(proof(token, encoded))) {
		return errors.New("the process at serve.json's address does not hold its token")
	}
	return nil
}

type redriveRequest struct {
	All         bool      `json:"all,omitempty"`
	StuckBefore time.Time `json:"stuck_before,omitzero"`
	Provider    string    `json:"provider,omitempty"`
	EventID     string    `json:"event_id,omitempty"`
}

type reconcileRequest struct {
	Provider string    `json:"provider"`
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
}

// Remote is an Operator that asks a running serve.
type Remote struct {
	URL    string
	Token  string
	Client *http.Client
}

// Call sends an authenticated admin request to path and decodes the answer
// into into.
func (r Remote) Call(ctx context.Context, method, path string, body, into any) error {
	resp, err := r.do(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }() // read only
	return json.NewDecoder(resp.Body).Decode(into)
}

// Download sends an authenticated GET to path and copies the answer's
// body to w: what is too large to decode at once.
func (r Remote) Download(ctx context.Context, path string, w io.Writer) error {
	resp, err := r.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }() // read only
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("read the answer of the running payhook serve at %s: %w", r.URL, err)
	}
	return nil
}

// do sends an authenticated admin request and returns the answer when it
// is 200 OK, its error otherwise.
func (r Remote) do(ctx context.Context, method, path string, body any) (*http.Response, error) {
	var payload bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&payload).Encode(body); err != nil {
			return nil, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, r.URL+path, &payload)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+r.Token)
	client := r.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ask the running payhook serve at %s: %w", r.URL, err)
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	defer func() { _ = resp.Body.Close() }() // read only
	var failure struct{ Error string }
	if err := json.NewDecoder(resp.Body).Decode(&failure); err != nil || failure.Error == "" {
		return nil, fmt.Errorf("payhook serve answered %s", resp.Status)
	}
	return nil, fmt.Errorf("payhook serve: %s", failure.Error)
}

func (r Remote) Webhooks(ctx context.Context, filter store.WebhookFilter) ([]WebhookView, error) {
	var views []WebhookView
	query := url.Values{"provider": {filter.Provider}, "status": {string(filter.Status)}}
	if !filter.ReceivedBefore.IsZero() {
		query.Set("received_before", filter.ReceivedBefore.Format(time.RFC3339Nano))
	}
	return views, r.Call(ctx, http.MethodGet, "/admin/webhooks?"+query.Encode(), nil, &views)
}

func (r Remote) Payments(ctx context.Context) ([]payment.State, error) {
	var payments []payment.State
	return payments, r.Call(ctx, http.MethodGet, "/admin/payments", nil, &payments)
}

func (r Remote) Redrive(ctx context.Context, provider, eventID string) error {
	return r.Call(ctx, http.MethodPost, "/admin/redrive", redriveRequest{Provider: provider, EventID: eventID}, &map[string]string{})
}

func (r Remote) RedriveAll(ctx context.Context) (process.RedriveReport, error) {
	var report process.RedriveReport
	return report, r.Call(ctx, http.MethodPost, "/admin/redrive", redriveRequest{All: true}, &report)
}

func (r Remote) RedriveStuck(ctx context.Context, cutoff time.Time) (process.StuckReport, error) {
	var report process.StuckReport
	return report, r.Call(ctx, http.MethodPost, "/admin/redrive", redriveRequest{StuckBefore: cutoff}, &report)
}

func (r Remote) Reconcile(ctx context.Context, provider string, since, until time.Time) (reconcile.Report, error) {
	if r.Client == nil {
		// Listing days of events takes longer than a listing of webhooks.
		r.Client = &http.Client{Timeout: 15 * time.Minute}
	}
	var report reconcile.Report
	if err := r.Call(ctx, http.MethodPost, "/admin/reconcile", reconcileRequest{Provider: provider, Since: since, Until: until}, &report); err != nil {
		return report, err
	}
	if report.Error != "" {
		return report, errors.New(report.Error)
	}
	return report, nil
}
