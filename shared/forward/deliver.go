package forward

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider/api"
)

// Destination is one endpoint of the user's and the event types it wants
// (all when Types is empty). Its Name is how status and dead letters name it.
type Destination struct {
	Name  string
	URL   string
	Types []payment.Type
}

// Wants reports whether the destination takes events of type t.
func (d Destination) Wants(t payment.Type) bool {
	return len(d.Types) == 0 || slices.Contains(d.Types, t)
}

// MaxURLBytes bounds a destination's URL: what browsers and servers
// commonly accept, and far below the outbox's key limit.
const MaxURLBytes = 2048

// CheckURL accepts an absolute http or https URL without credentials in
// it: status, logs and dead letters name the destination by its URL.
func CheckURL(raw string) error {
	u, ok := httpURL(raw)
	switch {
	case !ok:
		return fmt.Errorf("forward destination %q must be an http:// or https:// URL", raw)
	case u.User != nil:
		return errors.New("a forward destination must not carry credentials in its URL: consumers verify the signature instead")
	case u.Fragment != "":
		return fmt.Errorf("forward destination %q has a fragment", raw)
	case len(raw) > MaxURLBytes:
		return fmt.Errorf("a forward destination's URL is at most %d bytes", MaxURLBytes)
	}
	return nil
}

// httpURL parses an absolute http or https URL.
func httpURL(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	return u, err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// Name is how status, logs, metrics and the outbox name a destination:
// its URL with any query values hidden, since endpoints often take a token
// there.
func Name(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return raw
	}
	query := u.Query()
	for key := range query {
		query[key] = []string{"redacted"}
	}
	u.RawQuery = query.Encode()
	return u.String()
}

// Outcome is what one attempt came to.
type Outcome string

const (
	// Delivered: the consumer answered 2xx.
	Delivered Outcome = "delivered"
	// Retry: no answer, a timeout, 429 or 5xx; try again later.
	Retry Outcome = "retry"
	// Refused: any other answer (3xx, 4xx): trying again as it is cannot
	// help, so the message goes to the dead-letter queue at once.
	Refused Outcome = "refused"
	// DeadLettered: retried until the retry window closed.
	DeadLettered Outcome = "dead_lettered"
	// Held: not attempted, and dead-lettered behind an earlier message of
	// its payment that is on the dead-letter queue, so that a redrive
	// delivers the payment's messages in their order.
	Held Outcome = "held"
)

// Result is one attempt's outcome. Reason never holds the consumer's
// answer body: it is theirs, and may hold anything.
type Result struct {
	Outcome    Outcome
	Status     int
	RetryAfter time.Duration
	Reason     string
}

// DefaultTimeout bounds one attempt: a consumer should answer fast and do
// its work afterwards, as payhook does itself.
const DefaultTimeout = 15 * time.Second

// NewClient is the HTTP client attempts use: redirects are answers, not
// followed, so a signed message goes only where it was configured to.
func NewClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// maxDrain is how much of an answer is read (and discarded) so that the
// connection can be reused.
const maxDrain = 64 << 10

// Attempt posts m, signed at now, to rawURL once.
func Attempt(ctx context.Context, client *http.Client, rawURL string, signer Signer, m Message, now time.Time) Result {
	headers, err := signer.Headers(m, now)
	if err != nil {
		return Result{Outcome: Refused, Reason: err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(m.Body))
	if err != nil {
		return Result{Outcome: Refused, Reason: "bad destination URL"}
	}
	req.Header = headers
	resp, err := client.Do(req)
	if err != nil {
		return Result{Outcome: Retry, Reason: connectionReason(err)}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain)) // only to reuse the connection
	_ = resp.Body.Close()
	status := resp.StatusCode
	switch {
	case status >= 200 && status < 300:
		return Result{Outcome: Delivered, Status: status}
	case status == http.StatusTooManyRequests || status >= 500:
		return Result{Outcome: Retry, Status: status, RetryAfter: api.RetryAfter(resp.Header.Get("Retry-After"), now), Reason: fmt.Sprintf("answered %d", status)}
	}
	return Result{Outcome: Refused, Status: status, Reason: fmt.Sprintf("answered %d", status)}
}

// connectionReason says what went wrong without the URL, which the
// destination's name already gives.
func connectionReason(err error) string {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		if urlErr.Timeout() {
			return "no answer in time"
		}
		err = urlErr.Err
	}
	return "could not connect: " + payment.Truncate(err.Error(), 200)
}

// Backoff is the wait after the nth failed attempt (n ≥ 1): doubling from
// 2 s up to 15 minutes, each wait drawn between half and all of that so
// that a consumer coming back is not met by every message at once.
func Backoff(n int) time.Duration {
	const base, ceiling = 2 * time.Second, 15 * time.Minute
	d := ceiling
	if n < 20 {
		d = min(ceiling, base<<max(n-1, 0))
	}
	return d/2 + rand.N(d/2+1) //nolint:gosec // G404: jitter, not a secret
}

// NextAttempt is when to try again after r, the nth failure of a message
// first attempted at first, or false when the retry window has closed:
// the message is then dead-lettered. The window runs from the first
// attempt, so messages queued while nothing could deliver them (serve
// stopped) still get their retries; a wait past the window's end
// (a backoff, or a long Retry-After) is cut to one last attempt there.
func NextAttempt(r Result, n int, first, now time.Time, window time.Duration) (time.Time, bool) {
	deadline := first.Add(window)
	if r.Outcome != Retry || !now.Before(deadline) {
		return time.Time{}, false
	}
	next := now.Add(max(Backoff(n), r.RetryAfter))
	if next.After(deadline) {
		next = deadline
	}
	return next, true
}

// DefaultRetryWindow is how long a message is retried before it is
// dead-lettered.
const DefaultRetryWindow = 24 * time.Hour
