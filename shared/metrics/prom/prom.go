// Package prom is the Prometheus adapter of the metrics port: a registry of
// its own (never the global default), served in the text exposition format.
// Labels carry provider, outcome, operation, consumer and destination names
// only: nothing of an event, a payment or a secret reaches a scrape.
package prom

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/payhook/payhook/shared/metrics"
)

// Buckets of the latency histograms, in seconds: an fsync'd commit takes
// a few milliseconds, a delivery's answer must come well inside the
// providers' timeouts (10 s and more), and the store's own timeout is 5 s.
var Buckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// ScrapeTimeout bounds each function asked at scrape time (feed lag,
// forward backlog).
const ScrapeTimeout = 5 * time.Second

// Registry is a metrics.Recorder whose values Handler serves.
type Registry struct {
	registry         *prometheus.Registry
	deliveries       *prometheus.CounterVec
	receiverDuration *prometheus.HistogramVec
	processed        *prometheus.CounterVec
	failed           *prometheus.CounterVec
	storeCommit      *prometheus.HistogramVec
	forwarded        *prometheus.CounterVec
	feed             *feedCollector
	backlog          *backlogCollector
	log              zerolog.Logger
}

var _ metrics.Recorder = (*Registry)(nil)

// New registers payhook's metrics, and Go's and the process's own, in a
// new registry. Scrape-time errors are logged to log.
func New(log zerolog.Logger) *Registry {
	r := &Registry{
		registry: prometheus.NewRegistry(),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "payhook_deliveries_total",
			Help: "Deliveries the receiver answered, by provider route and the outcome it logged.",
		}, []string{"provider", "outcome"}),
		receiverDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "payhook_receiver_duration_seconds",
			Help:    "Time from a delivery's arrival at the receiver to its answer, by provider route.",
			Buckets: Buckets,
		}, []string{"provider"}),
		processed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "payhook_processed_total",
			Help: "Webhooks the processor finished, by provider and verdict (applied, already_applied, out_of_order, not_a_payment_event).",
		}, []string{"provider", "outcome"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "payhook_failed_total",
			Help: "Webhooks the processor gave up on (FAILED, on the dead-letter queue), by provider.",
		}, []string{"provider"}),
		storeCommit: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "payhook_store_commit_duration_seconds",
			Help:    "Time for a write of the store to be durable, by operation.",
			Buckets: Buckets,
		}, []string{"operation"}),
		forwarded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "payhook_forwarded_total",
			Help: "Attempts to deliver a canonical event to a destination, by destination and outcome.",
		}, []string{"destination", "outcome"}),
		feed:    &feedCollector{},
		backlog: &backlogCollector{},
		log:     log,
	}
	r.feed.log, r.backlog.log = log, log
	r.registry.MustRegister(
		r.deliveries, r.receiverDuration, r.processed, r.failed, r.storeCommit, r.forwarded, r.feed, r.backlog,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return r
}

// Handler serves the registry's metrics. A scrape-time function that
// fails leaves its metrics out and is logged; the rest are still served.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.registry, promhttp.HandlerOpts{
		ErrorHandling:       promhttp.ContinueOnError,
		ErrorLog:            errorLog{r.log},
		MaxRequestsInFlight: 4,
	})
}

func (r *Registry) Delivery(provider, outcome string, took time.Duration) {
	r.deliveries.WithLabelValues(provider, outcome).Inc()
	r.receiverDuration.WithLabelValues(provider).Observe(took.Seconds())
}

func (r *Registry) Processed(provider, outcome string) {
	r.processed.WithLabelValues(provider, outcome).Inc()
}

func (r *Registry) Failed(provider string) { r.failed.WithLabelValues(provider).Inc() }

func (r *Registry) StoreCommit(operation string, took time.Duration) {
	r.storeCommit.WithLabelValues(operation).Observe(took.Seconds())
}

func (r *Registry) Forwarded(destination, outcome string) {
	r.forwarded.WithLabelValues(destination, outcome).Inc()
}

// FeedLag has lag asked at each scrape for every consumer's lag, served as
// payhook_feed_lag_records{consumer} and payhook_feed_lag_seconds{consumer}.
// A later call replaces the function; nil removes it.
func (r *Registry) FeedLag(lag func(ctx context.Context) (map[string]metrics.Lag, error)) {
	r.feed.set(lag)
}

// ForwardBacklog has backlog asked at each scrape for the events waiting
// to be delivered to each destination, served as
// payhook_forward_backlog{destination}. A later call replaces the
// function; nil removes it.
func (r *Registry) ForwardBacklog(backlog func(ctx context.Context) (map[string]int, error)) {
	r.backlog.set(backlog)
}

var (
	feedRecordsDesc = prometheus.NewDesc("payhook_feed_lag_records",
		"Change records after the consumer's checkpoint: what it has yet to read.", []string{"consumer"}, nil)
	feedSecondsDesc = prometheus.NewDesc("payhook_feed_lag_seconds",
		"Age of the oldest change record the consumer has yet to read; 0 when it is caught up.", []string{"consumer"}, nil)
	backlogDesc = prometheus.NewDesc("payhook_forward_backlog",
		"Events waiting to be delivered to the destination.", []string{"destination"}, nil)
)

// scrapeFunc holds a function asked at scrape time.
type scrapeFunc[T any] struct {
	mu  sync.Mutex
	fn  func(context.Context) (T, error)
	log zerolog.Logger
}

func (s *scrapeFunc[T]) set(fn func(context.Context) (T, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fn = fn
}

// ask calls the function, if any; false when there is none or it failed
// (logged: the scrape goes on without these metrics).
func (s *scrapeFunc[T]) ask(what string) (T, bool) {
	s.mu.Lock()
	fn := s.fn
	s.mu.Unlock()
	var zero T
	if fn == nil {
		return zero, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), ScrapeTimeout)
	defer cancel()
	v, err := fn(ctx)
	if err != nil {
		s.log.Warn().Err(err).Msg("metrics: " + what + " left out of this scrape")
		return zero, false
	}
	return v, true
}

type feedCollector struct {
	scrapeFunc[map[string]metrics.Lag]
}

func (c *feedCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- feedRecordsDesc
	ch <- feedSecondsDesc
}

func (c *feedCollector) Collect(ch chan<- prometheus.Metric) {
	lags, ok := c.ask("feed lag")
	if !ok {
		return
	}
	for _, consumer := range slices.Sorted(maps.Keys(lags)) {
		lag := lags[consumer]
		ch <- prometheus.MustNewConstMetric(feedRecordsDesc, prometheus.GaugeValue, float64(lag.Records), consumer)
		ch <- prometheus.MustNewConstMetric(feedSecondsDesc, prometheus.GaugeValue, lag.Oldest.Seconds(), consumer)
	}
}

type backlogCollector struct {
	scrapeFunc[map[string]int]
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) { ch <- backlogDesc }

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	backlog, ok := c.ask("forward backlog")
	if !ok {
		return
	}
	for _, destination := range slices.Sorted(maps.Keys(backlog)) {
		ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(backlog[destination]), destination)
	}
}

// errorLog logs the handler's errors as one warning each.
type errorLog struct{ log zerolog.Logger }

func (l errorLog) Println(v ...any) {
	l.log.Warn().Msg("metrics: " + fmt.Sprint(v...))
}
