package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/provider/api"
)

// answers serves the given statuses in turn (then 200), each 429 or 503
// with the Retry-After given, and counts the requests.
func answers(t *testing.T, retryAfter string, statuses ...int) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := int(calls.Add(1))
		if n <= len(statuses) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(statuses[n-1])
			w.Write([]byte(`{"error":"try later"}`))
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func get(url string) func(context.Context) (*http.Request, error) {
	return func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	is := is.New(t)
	srv, calls := answers(t, "1", http.StatusTooManyRequests)
	started := time.Now()
	body, err := api.Client{}.Do(context.Background(), get(srv.URL))
	is.NoErr(err)
	is.Equal(string(body), `{"ok":true}`)
	is.Equal(calls.Load(), int32(2))
	is.True(time.Since(started) >= time.Second) // waited as asked, not the shorter backoff
}

func TestServerErrorsAreRetriedWithBackoff(t *testing.T) {
	is := is.New(t)
	srv, calls := answers(t, "", http.StatusServiceUnavailable, http.StatusBadGateway)
	_, err := api.Client{Backoff: time.Millisecond}.Do(context.Background(), get(srv.URL))
	is.NoErr(err)
	is.Equal(calls.Load(), int32(3))
}

func TestRetriesStopAtTheLimit(t *testing.T) {
	is := is.New(t)
	srv, calls := answers(t, "", 500, 500, 500, 500, 500, 500)
	_, err := api.Client{Attempts: 3, Backoff: time.Millisecond}.Do(context.Background(), get(srv.URL))
	var status *api.StatusError
	is.True(errors.As(err, &status))
	is.Equal(status.Status, 500)
	is.Equal(calls.Load(), int32(3))
}

func TestAWaitPastTheDeadlineFailsAtOnce(t *testing.T) {
	is := is.New(t)
	srv, calls := answers(t, "30", http.StatusTooManyRequests)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	started := time.Now()
	_, err := api.Client{}.Do(ctx, get(srv.URL))
	is.True(err != nil)
	is.True(time.Since(started) < time.Second) // did not sleep towards a deadline it cannot meet
	is.Equal(calls.Load(), int32(1))
}

func TestAWaitLongerThanAllowedFails(t *testing.T) {
	is := is.New(t)
	srv, _ := answers(t, "3600", http.StatusTooManyRequests)
	_, err := api.Client{MaxWait: time.Second}.Do(context.Background(), get(srv.URL))
	is.True(err != nil)
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	is := is.New(t)
	for _, tc := range []struct {
		status   int
		notFound bool
	}{{http.StatusUnauthorized, false}, {http.StatusBadRequest, false}, {http.StatusNotFound, true}} {
		srv, calls := answers(t, "", tc.status)
		_, err := api.Client{}.Do(context.Background(), get(srv.URL))
		var status *api.StatusError
		is.True(errors.As(err, &status))
		is.Equal(status.Status, tc.status)
		is.Equal(errors.Is(err, api.ErrNotFound), tc.notFound)
		is.Equal(calls.Load(), int32(1))
	}
}

func TestRetryAfterAsAnHTTPDate(t *testing.T) {
	is := is.New(t)
	srv, calls := answers(t, time.Now().Add(1500*time.Millisecond).UTC().Format(http.TimeFormat), http.StatusServiceUnavailable)
	_, err := api.Client{}.Do(context.Background(), get(srv.URL))
	is.NoErr(err)
	is.Equal(calls.Load(), int32(2))
}

// TestARedirectNeverCarriesTheToken: an API (or whatever answers in its
// place) that redirects would have the client send the request again,
// Authorization included, wherever it points: another port of the same
// host, another host, plain http. The client follows none.
func TestARedirectNeverCarriesTheToken(t *testing.T) {
	var stolen atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			stolen.Add(1)
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(elsewhere.Close)
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			is := is.New(t)
			redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, elsewhere.URL+"/v1/events", status)
			}))
			t.Cleanup(redirecting.Close)
			_, err := api.Client{}.Do(context.Background(), func(ctx context.Context) (*http.Request, error) {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, redirecting.URL+"/v1/events", nil)
				if err == nil {
					req.Header.Set("Authorization", "Bearer rk_live_secret")
				}
				return req, err
			})
			is.Equal(stolen.Load(), int32(0))        // the token stayed where it was sent
			is.True(errors.Is(err, api.ErrRedirect)) // refused, and said why
		})
	}
}

// TestRateLimitResetIsHonoured: GoCardless says when its limit resets
// (RateLimit-Reset, an HTTP date) rather than Retry-After.
func TestRateLimitResetIsHonoured(t *testing.T) {
	is := is.New(t)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("RateLimit-Remaining", "0")
			w.Header().Set("RateLimit-Reset", time.Now().Add(1500*time.Millisecond).UTC().Format(http.TimeFormat))
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	started := time.Now()
	_, err := api.Client{Backoff: time.Millisecond}.Do(context.Background(), get(srv.URL))
	is.NoErr(err)
	is.Equal(calls.Load(), int32(2))
	is.True(time.Since(started) >= 500*time.Millisecond) // waited for the reset, not the 1 ms backoff
}

func TestPagesEndAtARepeatedCursorOrTheCap(t *testing.T) {
	is := is.New(t)
	pages := api.Client{MaxPages: 3}.Pages()
	is.NoErr(pages.Next("a"))
	is.True(errors.Is(pages.Next("a"), api.ErrEndlessListing)) // the API went back to a page it gave
	pages = api.Client{MaxPages: 3}.Pages()
	is.NoErr(pages.Next("a"))
	is.NoErr(pages.Next("b"))
	is.True(errors.Is(pages.Next("c"), api.ErrEndlessListing)) // a fourth page of three
}
