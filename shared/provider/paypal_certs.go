package provider

import (
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
)

// PayPal's certificate hosts. A forged delivery names its own PAYPAL-CERT-URL,
// so only these hosts are ever asked, over https, under the certs path.
var (
	PayPalLiveCertHosts    = []string{"api.paypal.com", "api-m.paypal.com"}
	PayPalSandboxCertHosts = []string{"api.sandbox.paypal.com", "api-m.sandbox.paypal.com"}
)

const (
	paypalCertPathPrefix = "/v1/notifications/certs/"
	paypalLiveCertCN     = "messageverificationcerts.paypal.com"
	paypalSandboxCertCN  = "messageverificationcerts.sandbox.paypal.com"
	maxCertChainBytes    = 64 << 10
	maxCachedCerts       = 32
	maxCertCacheAge      = 24 * time.Hour
)

// ErrCertificateNotFound means the host answered that no such certificate
// exists: the delivery names a certificate PayPal never issued.
var ErrCertificateNotFound = errors.New("no certificate at that URL")

// CertFetcher returns the PEM chain at an already allow-listed URL.
type CertFetcher interface {
	Fetch(ctx context.Context, certURL string) ([]byte, error)
}

// PayPalCerts turns a PAYPAL-CERT-URL into a trusted certificate: the URL must
// be https on an allowed host under /v1/notifications/certs/; the chain must
// verify to Roots at Now; the leaf's CN must be PayPal's message-verification
// name. Verified certificates are cached until they expire (at most a day).
type PayPalCerts struct {
	Fetcher CertFetcher
	// Roots are the trusted roots; nil means the system's.
	Roots *x509.CertPool
	// Hosts allowed in certificate URLs; empty means PayPalLiveCertHosts.
	Hosts []string
	// CommonNames accepted on the leaf; empty means the live name.
	CommonNames []string
	Now         func() time.Time

	mu    sync.Mutex
	cache map[string]cachedCert
}

type cachedCert struct {
	cert    *x509.Certificate
	expires time.Time
}

// NewPayPalCerts trusts PayPal's live hosts, or live and sandbox ones when
// sandbox is true, fetching over HTTPS with the system's roots.
func NewPayPalCerts(client *http.Client, sandbox bool) *PayPalCerts {
	c := &PayPalCerts{Fetcher: HTTPSCertFetcher{Client: client}, Hosts: PayPalLiveCertHosts, CommonNames: []string{paypalLiveCertCN}}
	if sandbox {
		c.Hosts = append(slices.Clone(PayPalLiveCertHosts), PayPalSandboxCertHosts...)
		c.CommonNames = append(c.CommonNames, paypalSandboxCertCN)
	}
	return c
}

var errCertURLNotAllowed = errors.New("certificate URL is not an allowed PayPal URL")

func (c *PayPalCerts) Certificate(ctx context.Context, certURL string) (*x509.Certificate, error) {
	if err := c.checkURL(certURL); err != nil {
		return nil, err
	}
	now := c.now()
	if cert, ok := c.cached(certURL, now); ok {
		return cert, nil
	}
	chain, err := c.Fetcher.Fetch(ctx, certURL)
	if errors.Is(err, ErrCertificateNotFound) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrVerifierUnavailable, err)
	}
	cert, err := c.verifyChain(chain, now)
	if err != nil {
		return nil, err
	}
	c.store(certURL, cert, now)
	return cert, nil
}

func (c *PayPalCerts) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *PayPalCerts) checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.User != nil || u.Port() != "" || u.RawQuery != "" || u.Fragment != "" {
		return errCertURLNotAllowed
	}
	hosts := c.Hosts
	if len(hosts) == 0 {
		hosts = PayPalLiveCertHosts
	}
	if !slices.Contains(hosts, strings.ToLower(u.Hostname())) {
		return errCertURLNotAllowed
	}
	rest, ok := strings.CutPrefix(u.EscapedPath(), paypalCertPathPrefix)
	if !ok || rest == "" || strings.ContainsAny(rest, "/%") || strings.Contains(rest, "..") {
		return errCertURLNotAllowed
	}
	return nil
}

func (c *PayPalCerts) verifyChain(chainPEM []byte, now time.Time) (*x509.Certificate, error) {
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
		names = []string{paypalLiveCertCN}
	}
	if !slices.Contains(names, leaf.Subject.CommonName) {
		return nil, errors.New("certificate is not PayPal's message verification certificate")
	}
	return leaf, nil
}

func (c *PayPalCerts) cached(certURL string, now time.Time) (*x509.Certificate, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	entry, ok := c.cache[certURL]
	if !ok || !now.Before(entry.expires) {
		return nil, false
	}
	return entry.cert, true
}

func (c *PayPalCerts) store(certURL string, cert *x509.Certificate, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cache == nil || len(c.cache) >= maxCachedCerts {
		// PayPal uses a handful of certificates at a time; starting over is
		// simpler than LRU and bounds what forged URLs can make us hold.
		c.cache = make(map[string]cachedCert)
	}
	expires := now.Add(maxCertCacheAge)
	if cert.NotAfter.Before(expires) {
		expires = cert.NotAfter
	}
	c.cache[certURL] = cachedCert{cert: cert, expires: expires}
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
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return nil, ErrCertificateNotFound
	default:
		return nil, fmt.Errorf("certificate fetch: HTTP %d", resp.StatusCode)
	}
	return io.ReadAll(io.LimitReader(resp.Body, maxCertChainBytes))
}
