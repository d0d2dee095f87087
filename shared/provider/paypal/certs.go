package paypal

import (
	"container/list"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/payhook/payhook/shared/provider"
)

// PayPal's certificate hosts. A forged delivery names its own PAYPAL-CERT-URL,
// so only these hosts are ever asked, over https, under the certs path.
var (
	LiveCertHosts    = []string{"api.paypal.com", "api-m.paypal.com"}
	SandboxCertHosts = []string{"api.sandbox.paypal.com", "api-m.sandbox.paypal.com"}
)

const (
	certPathPrefix    = "/v1/notifications/certs/"
	liveCertCN        = "messageverificationcerts.paypal.com"
	sandboxCertCN     = "messageverificationcerts.sandbox.paypal.com"
	maxCertChainBytes = 64 << 10
	maxCertCacheAge   = 24 * time.Hour

	// PayPal signs with a handful of certificates at a time. Verified ones
	// are kept in an LRU of this size; refusals in their own, so that a flood
	// of forged URLs never evicts a genuine certificate.
	maxCachedCerts    = 64
	maxCachedFailures = 256
	// A refused or unreachable URL is not asked again for this long.
	failureCacheAge = time.Minute
	// At most this many fetches of URLs never seen to verify start per
	// minute: deliveries naming ever new certificate URLs cannot make the
	// receiver fetch in a loop. Past it, deliveries get 503 and PayPal
	// retries. A URL that has verified before is remembered for
	// knownCertAge and skips the budget, so a flood of junk URLs cannot
	// keep a genuine certificate from being fetched again when its cache
	// entry expires.
	maxFetchesPerMinute = 20
	maxKnownCertURLs    = 64
	knownCertAge        = 30 * 24 * time.Hour
)

// ErrCertificateNotFound means the host answered that no such certificate
// exists: the delivery names a certificate PayPal never issued.
var ErrCertificateNotFound = errors.New("no certificate at that URL")

// CertFetcher returns the PEM chain at an already allow-listed URL.
type CertFetcher interface {
	Fetch(ctx context.Context, certURL string) ([]byte, error)
}

// Certs turns a PAYPAL-CERT-URL into a trusted certificate: the URL must
// be https on an allowed host under /v1/notifications/certs/; the chain must
// verify to Roots at Now; the leaf's CN must be PayPal's message-verification
// name. URLs are compared in canonical form (host in lower case, no default
// port). Verified certificates are cached until they expire (at most a day);
// concurrent deliveries naming one URL share one fetch; failures are
// remembered for a minute, and fetches of new URLs are rate-limited.
type Certs struct {
	Fetcher CertFetcher
	// Roots are the trusted roots; nil means the system's.
	Roots *x509.CertPool
	// Hosts allowed in certificate URLs; empty means LiveCertHosts.
	Hosts []string
	// CommonNames accepted on the leaf; empty means the live name.
	CommonNames []string
	Now         func() time.Time

	mu       sync.Mutex
	verified lru[*x509.Certificate]
	known    lru[struct{}]
	failed   lru[error]
	inFlight map[string]*certFetch
	budget   fetchBudget
}

// certFetch is one fetch that concurrent callers wait for.
type certFetch struct {
	done chan struct{}
	cert *x509.Certificate
	err  error
}

// NewCerts trusts PayPal's live hosts, or live and sandbox ones when
// sandbox is true, fetching over HTTPS with the system's roots.
func NewCerts(client *http.Client, sandbox bool) *Certs {
	c := &Certs{Fetcher: HTTPSCertFetcher{Client: client}, Hosts: LiveCertHosts, CommonNames: []string{liveCertCN}}
	if sandbox {
		c.Hosts = append(slices.Clone(LiveCertHosts), SandboxCertHosts...)
		c.CommonNames = append(c.CommonNames, sandboxCertCN)
	}
	return c
}

var (
	errCertURLNotAllowed = errors.New("certificate URL is not an allowed PayPal URL")
	errFetchBudget       = fmt.Errorf("%w: too many certificate fetches; retry later", provider.ErrVerifierUnavailable)
)

func (c *Certs) Certificate(ctx context.Context, certURL string) (*x509.Certificate, error) {
	key, err := c.canonicalURL(certURL)
	if err != nil {
		return nil, err
	}
	now := c.now()
	c.mu.Lock()
	if cert, ok := c.verified.get(key, now); ok {
		c.mu.Unlock()
		return cert, nil
	}
	if err, ok := c.failed.get(key, now); ok {
		c.mu.Unlock()
		return nil, err
	}
	fetch, joined := c.inFlight[key]
	if !joined {
		_, known := c.known.get(key, now)
		if !known && !c.budget.take(now) {
			c.mu.Unlock()
			return nil, errFetchBudget
		}
		fetch = &certFetch{done: make(chan struct{})}
		if c.inFlight == nil {
			c.inFlight = map[string]*certFetch{}
		}
		c.inFlight[key] = fetch
	}
	c.mu.Unlock()
	if !joined {
		// The fetch outlives any one caller's context: others may be
		// waiting for it, and its result is cached for all. The fetcher's
		// own timeout bounds it.
		go c.run(context.WithoutCancel(ctx), key, fetch)
	}
	select {
	case <-fetch.done:
		return fetch.cert, fetch.err
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", provider.ErrVerifierUnavailable, ctx.Err())
	}
}

// run fetches and verifies the chain at key, publishes the result to the
// callers waiting on fetch, and caches it.
func (c *Certs) run(ctx context.Context, key string, fetch *certFetch) {
	fetch.cert, fetch.err = c.fetchAndVerify(ctx, key)
	now := c.now()
	c.mu.Lock()
	delete(c.inFlight, key)
	if fetch.err == nil {
		expires := now.Add(maxCertCacheAge)
		if fetch.cert.NotAfter.Before(expires) {
			expires = fetch.cert.NotAfter
		}
		c.verified.put(key, fetch.cert, expires, maxCachedCerts)
		c.known.put(key, struct{}{}, now.Add(knownCertAge), maxKnownCertURLs)
	} else {
		c.failed.put(key, fetch.err, now.Add(failureCacheAge), maxCachedFailures)
	}
	c.mu.Unlock()
	close(fetch.done)
}

func (c *Certs) fetchAndVerify(ctx context.Context, certURL string) (*x509.Certificate, error) {
	chain, err := c.Fetcher.Fetch(ctx, certURL)
	if errors.Is(err, ErrCertificateNotFound) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", provider.ErrVerifierUnavailable, err)
	}
	return c.verifyChain(chain, c.now())
}

func (c *Certs) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// canonicalURL checks a certificate URL and returns it in the one form the
// cache is keyed by: https, the host in lower case, no port (443 is the
// only one allowed), the path as sent.
func (c *Certs) canonicalURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", errCertURLNotAllowed
	}
	if port := u.Port(); port != "" && port != "443" {
		return "", errCertURLNotAllowed
	}
	host := strings.ToLower(u.Hostname())
	hosts := c.Hosts
	if len(hosts) == 0 {
		hosts = LiveCertHosts
	}
	if !slices.Contains(hosts, host) {
		return "", errCertURLNotAllowed
	}
	rest, ok := strings.CutPrefix(u.EscapedPath(), certPathPrefix)
	if !ok || rest == "" || strings.ContainsAny(rest, "/%") || strings.Contains(rest, "..") {
		return "", errCertURLNotAllowed
	}
	return "https://" + host + certPathPrefix + rest, nil
}

func (c *Certs) verifyChain(chainPEM []byte, now time.Time) (*x509.Certificate, error) {
	var certs []*x509.Certificate
	for block, rest := pem.Decode(chainPEM); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, errors.New("certificate chain does not parse")
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, errors.New("no certificate at URL")
	}
	leaf, intermediates := certs[0], x509.NewCertPool()
	for _, cert := range certs[1:] {
		intermediates.AddCert(cert)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         c.Roots,
		Intermediates: intermediates,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return nil, errors.New("certificate chain does not verify")
	}
	names := c.CommonNames
	if len(names) == 0 {
		names = []string{liveCertCN}
	}
	if !slices.Contains(names, leaf.Subject.CommonName) {
		return nil, errors.New("certificate is not PayPal's message verification certificate")
	}
	return leaf, nil
}

// lru is a bounded map whose entries expire; the least recently used entry
// goes first when it is full. Callers hold Certs.mu.
type lru[V any] struct {
	order   *list.List // front: most recently used
	entries map[string]*list.Element
}

type lruEntry[V any] struct {
	key     string
	value   V
	expires time.Time
}

func (l *lru[V]) get(key string, now time.Time) (V, bool) {
	var zero V
	element, ok := l.entries[key]
	if !ok {
		return zero, false
	}
	entry := element.Value.(*lruEntry[V])
	if !now.Before(entry.expires) {
		l.order.Remove(element)
		delete(l.entries, key)
		return zero, false
	}
	l.order.MoveToFront(element)
	return entry.value, true
}

func (l *lru[V]) put(key string, value V, expires time.Time, capacity int) {
	if l.entries == nil {
		l.order, l.entries = list.New(), map[string]*list.Element{}
	}
	if element, ok := l.entries[key]; ok {
		element.Value = &lruEntry[V]{key: key, value: value, expires: expires}
		l.order.MoveToFront(element)
		return
	}
	l.entries[key] = l.order.PushFront(&lruEntry[V]{key: key, value: value, expires: expires})
	for l.order.Len() > capacity {
		oldest := l.order.Back()
		l.order.Remove(oldest)
		delete(l.entries, oldest.Value.(*lruEntry[V]).key)
	}
}

// fetchBudget is a token bucket of maxFetchesPerMinute, refilled evenly.
type fetchBudget struct {
	tokens float64
	at     time.Time
}

func (b *fetchBudget) take(now time.Time) bool {
	if b.at.IsZero() {
		b.tokens, b.at = maxFetchesPerMinute, now
	}
	if now.After(b.at) {
		b.tokens = min(maxFetchesPerMinute, b.tokens+now.Sub(b.at).Minutes()*maxFetchesPerMinute)
		b.at = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// HTTPSCertFetcher downloads a certificate chain over HTTPS. It follows no
// redirect, since only the allow-listed URL itself is trusted.
type HTTPSCertFetcher struct {
	Client *http.Client
}

func (f HTTPSCertFetcher) Fetch(ctx context.Context, certURL string) ([]byte, error) {
	client := &http.Client{Timeout: 5 * time.Second}
	if f.Client != nil {
		copied := *f.Client
		client = &copied
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, certURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }() // read only
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusGone:
		return nil, ErrCertificateNotFound
	default:
		return nil, fmt.Errorf("certificate fetch: HTTP %d", resp.StatusCode)
	}
	return io.ReadAll(io.LimitReader(resp.Body, maxCertChainBytes))
}
