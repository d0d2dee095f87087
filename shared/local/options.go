package local

import (
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/ingest"
	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/payment"
)

// Options configure a local server.
type Options struct {
	Addr     string
	DataDir  string
	Receiver config.Receiver
	// Reconcile configures reconcile runs and delivery confirmation.
	Reconcile config.Reconcile
	// Critical are the canonical types that raise an alert; none means
	// process.DefaultCritical.
	Critical []payment.Type
	// Lookup reads provider keys (os.LookupEnv); when it has none, the data
	// directory's development secrets are used, and created if needed.
	Lookup func(string) (string, bool)
	Log    zerolog.Logger
	// Normalize replaces registry.Normalize: the demo injects a bug with it.
	Normalize func(payment.Delivery) (payment.Event, error)
	// Alerter also receives every alert, beside the log.
	Alerter notify.Alerter
	// Limits bound every connection; zero fields take DefaultLimits'.
	Limits Limits
	// Forward sends applied events to the user's endpoints.
	Forward Forwarding
	// OnDelivery and OnForward, when set, are told of each delivery in and
	// each forwarding attempt out: serve's lines on a terminal.
	OnDelivery func(ingest.Delivered)
	OnForward  func(forward.Observation)
}

// Limits bound what one connection may cost the server.
type Limits struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	// MaxAdminBodyBytes bounds admin requests; webhook bodies are bounded
	// by the receiver's own limit.
	MaxAdminBodyBytes int64
}

// DefaultLimits: providers send a few KB with their headers and expect an
// answer within seconds; nothing legitimate comes near these.
var DefaultLimits = Limits{
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       30 * time.Second,
	WriteTimeout:      30 * time.Second,
	IdleTimeout:       2 * time.Minute,
	MaxHeaderBytes:    16 << 10,
	MaxAdminBodyBytes: 64 << 10,
}

func (l Limits) orDefaults() Limits {
	pick := func(v, fallback time.Duration) time.Duration {
		if v > 0 {
			return v
		}
		return fallback
	}
	l.ReadHeaderTimeout = pick(l.ReadHeaderTimeout, DefaultLimits.ReadHeaderTimeout)
	l.ReadTimeout = pick(l.ReadTimeout, DefaultLimits.ReadTimeout)
	l.WriteTimeout = pick(l.WriteTimeout, DefaultLimits.WriteTimeout)
	l.IdleTimeout = pick(l.IdleTimeout, DefaultLimits.IdleTimeout)
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultLimits.MaxHeaderBytes
	}
	if l.MaxAdminBodyBytes <= 0 {
		l.MaxAdminBodyBytes = DefaultLimits.MaxAdminBodyBytes
	}
	return l
}

// newHTTPServer applies the limits. Go's server reads 4 KiB past
// MaxHeaderBytes before refusing, so the field is set that much lower.
func newHTTPServer(l Limits) *http.Server {
	return &http.Server{
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    max(l.MaxHeaderBytes-httpHeaderSlack, 1),
	}
}

// httpHeaderSlack is what net/http reads beyond MaxHeaderBytes.
const httpHeaderSlack = 4 << 10
