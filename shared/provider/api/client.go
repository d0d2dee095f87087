// Package api calls providers' REST APIs for reconciliation: one request
// at a time, retried on throttling and server errors as the provider
// asks (Retry-After, or GoCardless's RateLimit-Reset), bounded by the
// caller's deadline. It follows no redirect, and a listing's pages end
// (Pages): whatever answers in the API's place can neither steer the
// credentials elsewhere nor keep a run paging.
package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Client sends requests to one provider's API.
type Client struct {
	HTTP *http.Client
	// Attempts bounds the tries of one request; 5 when zero.
	Attempts int
	// Backoff is the first wait before a retry the server gave no
	// Retry-After for; it doubles with jitter each time. 500 ms when zero.
	Backoff time.Duration
	// MaxWait caps any one wait, Retry-After included; a server asking for
	// longer gets an error instead. 60 s when zero.
	MaxWait time.Duration
	// MaxPages bounds the pages one listing reads (Pages);
	// DefaultMaxPages when zero.
	MaxPages int
}

// DefaultMaxPages is the most pages one listing reads: at Stripe's 100
// events a page, a million events, fifty times what a 300 s run lists
// from a real API (about 20,000). Only an API that never stops saying
// "more" reaches it.
const DefaultMaxPages = 10000

// ErrRedirect is an answer that would send the request elsewhere, which
// is refused: the credentials would go with it.
var ErrRedirect = errors.New("the API answered with a redirect, which payhook does not follow: the credentials would go with it")

// ErrEndlessListing is a listing that would not end: the API gave a
// cursor it had given before, or more pages than a run ever needs.
var ErrEndlessListing = errors.New("the listing does not end")

// maxResponseBytes bounds what one answer may hold: a page of events.
const maxResponseBytes = 16 << 20

// StatusError is an answer payhook does not retry: the request itself is
// wrong or not allowed.
type StatusError struct {
	Status int
	// Excerpt is the start of the answer's body, to say what the provider
	// objected to; providers' error bodies carry no credentials.
	Excerpt string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("HTTP %d: %s", e.Status, e.Excerpt)
}

// ErrNotFound is a 404: the resource does not exist at the provider.
var ErrNotFound = errors.New("not found at the provider")

// Do sends the request newRequest builds (once per try, so bodies can be
// read again) and returns the body of its 2xx answer. 429 and 5xx
// answers and transport errors are retried; a 404 is ErrNotFound; any
// other answer is a *StatusError.
func (c Client) Do(ctx context.Context, newRequest func(ctx context.Context) (*http.Request, error)) ([]byte, error) {
	attempts := cmp.Or(c.Attempts, 5)
	backoff := cmp.Or(c.Backoff, 500*time.Millisecond)
	var last error
	for attempt := 1; ; attempt++ {
		req, err := newRequest(ctx)
		if err != nil {
			return nil, err
		}
		body, wait, err := c.try(req)
		if err == nil || !retryable(err) {
			return body, err
		}
		last = err
		if attempt == attempts {
			return nil, fmt.Errorf("after %d attempts: %w", attempts, last)
		}
		if wait == 0 {
			wait = backoff + rand.N(backoff) //nolint:gosec // G404: jitter, not a secret
			backoff *= 2
		}
		if wait > cmp.Or(c.MaxWait, time.Minute) {
			return nil, fmt.Errorf("the provider asks to wait %s: %w", wait, last)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return nil, fmt.Errorf("the provider asks to wait %s, past the deadline: %w", wait, last)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (last: %w)", ctx.Err(), last)
		case <-time.After(wait):
		}
	}
}

// retryError is a failure a later try may not have; try returns the wait
// the server asked for beside it.
type retryError struct {
	err error
}

func (e retryError) Error() string { return e.err.Error() }
func (e retryError) Unwrap() error { return e.err }

func retryable(err error) bool {
	var r retryError
	return errors.As(err, &r)
}

func (c Client) try(req *http.Request) ([]byte, time.Duration, error) {
	// A copy, so that the caller's client keeps its own redirect policy.
	client := *cmp.Or(c.HTTP, http.DefaultClient)
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	// The URL is the configured API's (https, or http to this machine:
	// provider.CheckAPIURL), or a link it gave on that same host.
	resp, err := client.Do(req) //nolint:gosec // G704: see above
	if err != nil {
		if req.Context().Err() != nil {
			return nil, 0, err
		}
		return nil, 0, retryError{err}
	}
	defer func() { _ = resp.Body.Close() }() // read only
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	switch {
	case err != nil:
		return nil, 0, retryError{err}
	case len(body) > maxResponseBytes:
		return nil, 0, fmt.Errorf("answer over %d bytes", maxResponseBytes)
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return body, 0, nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return nil, 0, fmt.Errorf("%w (HTTP %d)", ErrRedirect, resp.StatusCode)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		// Retry-After, or when the limit resets (GoCardless: an HTTP
		// date in RateLimit-Reset).
		wait := cmp.Or(resp.Header.Get("Retry-After"), resp.Header.Get("RateLimit-Reset"))
		return nil, RetryAfter(wait, time.Now()), retryError{&StatusError{Status: resp.StatusCode, Excerpt: excerpt(body)}}
	case resp.StatusCode == http.StatusNotFound:
		return nil, 0, fmt.Errorf("%w: %w", ErrNotFound, &StatusError{Status: resp.StatusCode, Excerpt: excerpt(body)})
	}
	return nil, 0, &StatusError{Status: resp.StatusCode, Excerpt: excerpt(body)}
}

// RetryAfter reads Retry-After: seconds, or an HTTP date; 0 when absent,
// unreadable or past. payhook's own forwarding honours it too.
func RetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if seconds, err := strconv.Atoi(value); err == nil && seconds >= 0 {
		// A day is past any wait payhook accepts, and no overflow.
		return time.Duration(min(seconds, 86400)) * time.Second
	}
	if at, err := http.ParseTime(value); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return 0
}

func excerpt(body []byte) string {
	const limit = 300
	s := strings.ToValidUTF8(string(body), "?")
	if len(s) > limit {
		s = s[:limit] + "..."
	}
	return strings.TrimSpace(s)
}

// Pages follows one listing from page to page.
type Pages struct {
	max  int
	read int
	seen map[string]bool
}

// Pages starts following a listing whose first page is being read.
func (c Client) Pages() *Pages {
	return &Pages{max: cmp.Or(c.MaxPages, DefaultMaxPages), read: 1, seen: map[string]bool{}}
}

// Next is called before reading the page at cursor (a cursor, a link,
// the last id: whatever the API pages by). An error wrapping
// ErrEndlessListing refuses a cursor the listing gave before, which
// would read the same pages again forever, and a page past the cap.
func (p *Pages) Next(cursor string) error {
	if p.seen[cursor] {
		return fmt.Errorf("%w: the API gave the same cursor twice", ErrEndlessListing)
	}
	if p.read >= p.max {
		return fmt.Errorf("%w: stopped after %d pages, more than any run reads (list a shorter window)", ErrEndlessListing, p.max)
	}
	p.seen[cursor] = true
	p.read++
	return nil
}
