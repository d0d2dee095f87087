package operate

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/reconcile"
	"github.com/payhook/payhook/shared/store"
)

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
	// r.URL is the loopback admin API serve.json names, proven to hold the
	// token (RunningServe); path and its escaped query are payhook's own.
	req, err := http.NewRequestWithContext(ctx, method, r.URL+path, &payload) //nolint:gosec // G704: see above
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+r.Token)
	client := r.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req) //nolint:gosec // G704: the admin API, as above
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
	if resp.StatusCode == http.StatusNotFound {
		return nil, notFound(failure.Error)
	}
	return nil, fmt.Errorf("payhook serve: %s", failure.Error)
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

func (r Remote) Checkpoints(ctx context.Context) ([]CheckpointView, error) {
	var views []CheckpointView
	return views, r.Call(ctx, http.MethodGet, checkpointsPath, nil, &views)
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

func (r Remote) Events(ctx context.Context, f Filter, p Page) (EventPage, error) {
	var page EventPage
	return page, r.Call(ctx, http.MethodGet, eventsPath+"?"+f.values(p).Encode(), nil, &page)
}

func (r Remote) Event(ctx context.Context, provider, eventID string) (EventDetail, error) {
	var detail EventDetail
	return detail, r.Call(ctx, http.MethodGet, eventPath+"?"+url.Values{"provider": {provider}, "id": {eventID}}.Encode(), nil, &detail)
}

func (r Remote) Payment(ctx context.Context, key string) (PaymentDetail, error) {
	var detail PaymentDetail
	return detail, r.Call(ctx, http.MethodGet, paymentPath+"?"+url.Values{"payment": {key}}.Encode(), nil, &detail)
}

func (r Remote) RedriveMatching(ctx context.Context, req BulkRequest) (BulkPage, error) {
	var page BulkPage
	return page, r.Call(ctx, http.MethodPost, redriveMatchPath, req, &page)
}

func (r Remote) Resend(ctx context.Context, req ResendRequest) (BulkPage, error) {
	var page BulkPage
	return page, r.Call(ctx, http.MethodPost, resendPath, req, &page)
}

// notFound is serve's message, which store.ErrNotFound's errors.Is finds.
type notFound string

func (e notFound) Error() string { return "payhook serve: " + string(e) }

func (notFound) Is(target error) bool { return target == store.ErrNotFound }
