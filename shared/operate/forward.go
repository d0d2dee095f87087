package operate

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/payhook/payhook/shared/store"
)

// DeadForward is a message given up on, as an operator sees it: everything
// but the body.
type DeadForward struct {
	Destination string    `json:"destination"`
	MessageID   string    `json:"message_id"`
	EventType   string    `json:"event_type"`
	PaymentKey  string    `json:"payment_key,omitempty"`
	QueuedAt    time.Time `json:"queued_at"`
	DeadAt      time.Time `json:"dead_at"`
	Attempts    int       `json:"attempts"`
	LastError   string    `json:"last_error,omitempty"`
}

// MaxDeadForwards bounds a listing of dead letters, oldest first; forward
// status counts them all.
const MaxDeadForwards = 1000

// Forwarding is what the forward commands do.
type Forwarding interface {
	ForwardStatus(ctx context.Context) ([]store.ForwardStatus, error)
	DeadForwards(ctx context.Context, destination string) ([]DeadForward, error)
	RedriveForwards(ctx context.Context, destination string) (int, error)
}

// errNoOutbox: on AWS, each destination's dead letters are on its SQS
// dead-letter queue.
var errNoOutbox = errors.New("forwarding on AWS keeps its dead letters on each destination's SQS dead-letter queue " +
	"(payhook-<env>-forward-<name>-dlq): redrive them with `aws sqs start-message-move-task --source-arn <dlq arn>`")

func (d Table) ForwardStatus(ctx context.Context) ([]store.ForwardStatus, error) {
	if d.Outbox == nil {
		return nil, errNoOutbox
	}
	return d.Outbox.ForwardStatuses(ctx)
}

func (d Table) DeadForwards(ctx context.Context, destination string) ([]DeadForward, error) {
	if d.Outbox == nil {
		return nil, errNoOutbox
	}
	dead, err := d.Outbox.DeadForwards(ctx, destination, MaxDeadForwards)
	if err != nil {
		return nil, err
	}
	views := make([]DeadForward, len(dead))
	for i, f := range dead {
		views[i] = DeadForward{Destination: f.Destination, MessageID: f.MessageID, EventType: f.EventType, PaymentKey: f.PaymentKey,
			QueuedAt: f.QueuedAt, DeadAt: f.DeadAt, Attempts: f.Attempts, LastError: f.LastError}
	}
	return views, nil
}

func (d Table) RedriveForwards(ctx context.Context, destination string) (int, error) {
	if d.Outbox == nil {
		return 0, errNoOutbox
	}
	return d.Outbox.RedriveForwards(ctx, destination)
}

type forwardRedriveRequest struct {
	Destination string `json:"destination,omitempty"`
}

type forwardRedriveReport struct {
	Redriven int `json:"redriven"`
}

// forwardRoutes serves Forwarding on the admin API.
func forwardRoutes(mux *http.ServeMux, op Forwarding, reply func(http.ResponseWriter, any, error)) {
	mux.HandleFunc("GET /admin/forward/status", func(w http.ResponseWriter, r *http.Request) {
		statuses, err := op.ForwardStatus(r.Context())
		reply(w, statuses, err)
	})
	mux.HandleFunc("GET /admin/forward/dead", func(w http.ResponseWriter, r *http.Request) {
		dead, err := op.DeadForwards(r.Context(), r.URL.Query().Get("destination"))
		reply(w, dead, err)
	})
	mux.HandleFunc("POST /admin/forward/redrive", func(w http.ResponseWriter, r *http.Request) {
		var req forwardRedriveRequest
		if err := decode(r, &req); err != nil {
			reply(w, nil, errors.New("body must be a forward redrive request"))
			return
		}
		n, err := op.RedriveForwards(r.Context(), req.Destination)
		reply(w, forwardRedriveReport{Redriven: n}, err)
	})
}

func (r Remote) ForwardStatus(ctx context.Context) ([]store.ForwardStatus, error) {
	var statuses []store.ForwardStatus
	return statuses, r.Call(ctx, http.MethodGet, "/admin/forward/status", nil, &statuses)
}

func (r Remote) DeadForwards(ctx context.Context, destination string) ([]DeadForward, error) {
	var dead []DeadForward
	return dead, r.Call(ctx, http.MethodGet, "/admin/forward/dead?"+url.Values{"destination": {destination}}.Encode(), nil, &dead)
}

func (r Remote) RedriveForwards(ctx context.Context, destination string) (int, error) {
	var report forwardRedriveReport
	return report.Redriven, r.Call(ctx, http.MethodPost, "/admin/forward/redrive", forwardRedriveRequest{Destination: destination}, &report)
}
