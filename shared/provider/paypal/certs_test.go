package paypal_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/paypal"
)

// countingFetcher serves the sandbox chain for the published certificate's
// URL and "not found" for any other, counting fetches per URL. When gate is
// set, every fetch waits for it to close.
type countingFetcher struct {
	chain []byte
	gate  chan struct{}
	mu    sync.Mutex
	calls map[string]int
	total atomic.Int32
}

func (f *countingFetcher) Fetch(_ context.Context, certURL string) ([]byte, error) {
	f.total.Add(1)
	f.mu.Lock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[certURL]++
	f.mu.Unlock()
	if f.gate != nil {
		<-f.gate
	}
	if certURL != paypalCertURL {
		return nil, paypal.ErrCertificateNotFound
	}
	return f.chain, nil
}

func TestPayPalCertificateCache(t *testing.T) {
	deliveredAt, _ := time.Parse(time.RFC3339, paypalTime)
	ctx := context.Background()

	t.Run("concurrent deliveries naming one certificate cause one fetch", func(t *testing.T) {
		is := is.New(t)
		fetcher := &countingFetcher{chain: readFixture(t, "cert-chain.pem"), gate: make(chan struct{})}
		certs := sandboxCerts(t, fetcher, deliveredAt)
		var wg sync.WaitGroup
		errs := make(chan error, 50)
		for range 50 {
			wg.Go(func() {
				_, err := certs.Certificate(ctx, paypalCertURL)
				errs <- err
			})
		}
		wait.Until(t, 5*time.Second, "the first fetch", func() bool { return fetcher.total.Load() > 0 })
		close(fetcher.gate)
		wg.Wait()
		close(errs)
		for err := range errs {
			is.NoErr(err)
		}
		is.Equal(fetcher.total.Load(), int32(1))
	})

	t.Run("one certificate however its URL is spelled", func(t *testing.T) {
		is := is.New(t)
		fetcher := &countingFetcher{chain: readFixture(t, "cert-chain.pem")}
		certs := sandboxCerts(t, fetcher, deliveredAt)
		for _, spelling := range []string{
			paypalCertURL,
			"https://API.Sandbox.PayPal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270",
			"https://api.sandbox.paypal.com:443/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270",
		} {
			_, err := certs.Certificate(ctx, spelling)
			is.NoErr(err)
		}
		is.Equal(fetcher.total.Load(), int32(1))
		_, err := certs.Certificate(ctx, "https://api.sandbox.paypal.com:8443/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270")
		is.True(err != nil) // any other port is not PayPal's
	})

	t.Run("a refused URL is not fetched again for a while", func(t *testing.T) {
		is := is.New(t)
		now := deliveredAt
		fetcher := &countingFetcher{chain: readFixture(t, "cert-chain.pem")}
		certs := sandboxCerts(t, fetcher, now)
		certs.Now = func() time.Time { return now }
		unknown := "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-forged"
		for range 10 {
			_, err := certs.Certificate(ctx, unknown)
			is.True(errors.Is(err, paypal.ErrCertificateNotFound))
		}
		is.Equal(fetcher.total.Load(), int32(1))
		now = now.Add(2 * time.Minute)
		_, err := certs.Certificate(ctx, unknown)
		is.True(errors.Is(err, paypal.ErrCertificateNotFound))
		is.Equal(fetcher.total.Load(), int32(2)) // asked again once the refusal expired
	})

	t.Run("a stream of new certificate URLs cannot make the receiver fetch in a loop", func(t *testing.T) {
		is := is.New(t)
		now := deliveredAt
		fetcher := &countingFetcher{chain: readFixture(t, "cert-chain.pem")}
		certs := sandboxCerts(t, fetcher, now)
		certs.Now = func() time.Time { return now }
		unavailable := 0
		for i := range 1000 {
			_, err := certs.Certificate(ctx, fmt.Sprintf("https://api.sandbox.paypal.com/v1/notifications/certs/CERT-forged-%d", i))
			if errors.Is(err, provider.ErrVerifierUnavailable) {
				unavailable++
			}
		}
		is.Equal(fetcher.total.Load(), int32(20)) // the minute's fetch budget, no more
		is.Equal(unavailable, 980)                // the rest are told to retry later
		now = now.Add(time.Minute)
		_, err := certs.Certificate(ctx, paypalCertURL)
		is.NoErr(err) // the budget refills: PayPal's retry gets through
	})

	t.Run("a flood of new URLs cannot keep a known certificate from being fetched again", func(t *testing.T) {
		is := is.New(t)
		now := deliveredAt
		fetcher := &countingFetcher{chain: readFixture(t, "cert-chain.pem")}
		certs := sandboxCerts(t, fetcher, now)
		certs.Now = func() time.Time { return now }
		_, err := certs.Certificate(ctx, paypalCertURL)
		is.NoErr(err)
		now = now.Add(25 * time.Hour) // past the cache's day: it must be fetched again
		for i := range 100 {
			_, _ = certs.Certificate(ctx, fmt.Sprintf("https://api.sandbox.paypal.com/v1/notifications/certs/CERT-junk-%d", i)) // the budget runs out
		}
		_, err = certs.Certificate(ctx, "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-junk-new")
		is.True(errors.Is(err, provider.ErrVerifierUnavailable)) // new URLs wait for the budget
		_, err = certs.Certificate(ctx, paypalCertURL)
		is.NoErr(err) // a URL that verified before does not
	})

	t.Run("forged URLs never evict a genuine certificate", func(t *testing.T) {
		is := is.New(t)
		now := deliveredAt
		fetcher := &countingFetcher{chain: readFixture(t, "cert-chain.pem")}
		certs := sandboxCerts(t, fetcher, now)
		certs.Now = func() time.Time { return now }
		_, err := certs.Certificate(ctx, paypalCertURL)
		is.NoErr(err)
		for i := range 600 {
			now = now.Add(3 * time.Second)                                                                                        // within the fetch budget: 20 a minute
			_, _ = certs.Certificate(ctx, fmt.Sprintf("https://api.sandbox.paypal.com/v1/notifications/certs/CERT-forged-%d", i)) // refused; what counts is what stays cached
		}
		before := fetcher.total.Load()
		_, err = certs.Certificate(ctx, paypalCertURL)
		is.NoErr(err)
		is.Equal(fetcher.total.Load(), before) // still cached after 600 refused URLs
	})
}
