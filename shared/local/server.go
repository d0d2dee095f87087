package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/console"
	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/ingest"
	"github.com/payhook/payhook/shared/metrics"
	"github.com/payhook/payhook/shared/metrics/prom"
	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/reconcile"
	"github.com/payhook/payhook/shared/secrets"
	"github.com/payhook/payhook/shared/store/embedded"
)

// Server is the whole pipeline in one process.
type Server struct {
	// URL is where providers deliver; AdminURL is the admin API, always
	// on loopback, never on the webhook listener.
	URL      string
	AdminURL string
	DataDir  string
	Keys     provider.Keys
	// Dev holds the development secrets in use, or nil when the keys come
	// from the environment; DevCreated says they were made just now.
	Dev        *DevSecrets
	DevCreated bool
	Store      *embedded.Store
	// ForwardURLs name where applied events are forwarded (forward.Name:
	// query values hidden); ForwardSecret is
	// the development signing secret in use (empty when
	// PAYHOOK_FORWARD_SECRETS gives them), ForwardSecretCreated says it was
	// made just now.
	ForwardURLs          []string
	ForwardSecret        string
	ForwardSecretCreated bool
	// Metrics is what MetricsURL serves. Other parts of the pipeline record
	// to it, and register what is asked at scrape time (ForwardBacklog).
	Metrics    *prom.Registry
	MetricsURL string
	// ConsoleURL is the web console's one-time login link.
	ConsoleURL string

	webhooks, admin *http.Server
	startServing    func(zerolog.Logger)
	certs           provider.CertificateSource
	stop            context.CancelFunc
	pipelineDone    chan struct{}
	forwarding      *forward.Dispatcher
	forwardingDone  chan struct{}
	audit           *audit.FileTrail
	auditPath       string
	console         *console.Console
	cleanups        []func() error

	mu          sync.Mutex
	pipelineErr error // set when the pipeline has stopped
	// backingUp is held while a backup is taken: one at a time.
	backingUp sync.Mutex
}

// Start runs the receiver, the pipeline and the admin API until Shutdown.
// If the pipeline stops on its own, the server stops acknowledging
// webhooks, its health check fails and Failed is closed.
func Start(opts Options) (*Server, error) {
	opts.Limits = opts.Limits.orDefaults()
	s := &Server{pipelineDone: make(chan struct{}), forwardingDone: make(chan struct{}), Metrics: prom.New(opts.Log)}
	steps := []func(Options) error{s.openDataDir, s.listen, s.loadKeys, s.loadForwarding, s.openAuditTrail, s.serve}
	for _, step := range steps {
		if err := step(opts); err != nil {
			return nil, errors.Join(err, s.cleanup())
		}
	}
	return s, nil
}

// onCleanup registers what undoes a started step, run last first.
func (s *Server) onCleanup(fn func() error) { s.cleanups = append(s.cleanups, fn) }

func (s *Server) cleanup() error {
	var errs []error
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		errs = append(errs, s.cleanups[i]())
	}
	s.cleanups = nil
	return errors.Join(errs...)
}

// serve wires the pipeline and both HTTP servers, writes serve.json and
// starts everything.
func (s *Server) serve(opts Options) error {
	alerter := notify.Alerter(notify.LogAlerter{Log: opts.Log})
	if opts.Alerter != nil {
		alerter = alerters{alerter, opts.Alerter}
	}
	normalize := opts.Normalize
	if normalize == nil {
		normalize = registry.Normalize
	}
	critical := opts.Critical
	if critical == nil {
		critical = process.DefaultCritical
	}
	apiConfig := provider.APIConfig{HTTP: &http.Client{Timeout: 30 * time.Second}, Sandbox: opts.Receiver.PayPalSandbox}
	processor := &process.Processor{
		Store: s.Store, DLQ: s.Store.DeadLetterQueue(ProcessorConsumer), Publisher: notify.LogPublisher{Log: opts.Log},
		Alerter: alerter, Critical: critical, Normalize: normalize, Log: opts.Log, Metrics: s.Metrics,
	}
	if s.forwarding != nil {
		processor.Forwards = forward.Enqueue(s.forwarding.Destinations)
	}
	confirmation := &reconcile.Confirmation{Keys: secrets.Static(s.Keys).Keys, API: apiConfig}
	if opts.Reconcile.PayPalConfirm {
		processor.Confirm = confirmation.Confirm
	}
	if opts.Reconcile.GoCardlessAmounts {
		processor.Amounts = confirmation.Amounts
	}
	pipeline := &Pipeline{
		Store:      s.Store,
		Processor:  processor,
		Auditor:    &audit.Auditor{Sink: s.audit, Alerter: alerter, Log: opts.Log},
		AuditTrail: s.audit,
	}
	token := randomHex(24)
	limits := opts.Limits
	ingester := ingest.New(opts.Receiver, secrets.Static(s.Keys), s.Store, s.certs, opts.Log)
	ingester.Metrics, ingester.Observe = s.Metrics, opts.OnDelivery
	receiver := ingest.HTTPHandler(ingester)
	webhooks := http.NewServeMux()
	webhooks.Handle("/", s.whilePipelineRuns(receiver))
	webhooks.HandleFunc("GET /healthz", s.health)
	var destinations []forward.Destination
	if s.forwarding != nil {
		destinations = s.forwarding.Destinations
	}
	operator := tableOperator(s.DataDir, s.Store, destinations)
	operator.Reconciler, operator.Sources = &reconcile.Reconciler{
		Store:     s.Store,
		Retention: func(p string) time.Duration { return registry.Retention(opts.Receiver.Retention, p) },
		Alerter:   alerter, Log: opts.Log,
	}, func(name string) (reconcile.Source, error) {
		source, err := reconcile.SourceFor(name, s.Keys, apiConfig)
		if errors.As(err, new(reconcile.MissingCredentials)) {
			err = fmt.Errorf("%w in payhook serve's environment, which reconciles while it runs: restart serve with them set", err)
		}
		return source, err
	}
	s.Metrics.FeedLag(s.feedLag)
	s.webhooks.Handler = webhooks
	s.admin.Handler = s.adminHandler(operator, token, limits, opts.Log)
	s.ConsoleURL = s.AdminURL + s.console.NewLogin()

	info, err := json.Marshal(ServeInfo{URL: s.URL, AdminURL: s.AdminURL, Token: token, PID: os.Getpid()})
	if err != nil {
		return err
	}
	if err := writeDataFile(s.DataDir, ServeFile, info); err != nil {
		return err
	}
	ctx, stop := context.WithCancel(context.Background())
	s.stop = stop
	go func() {
		err := pipeline.Run(ctx)
		if ctx.Err() == nil {
			if err == nil {
				err = errors.New("the pipeline stopped")
			}
			opts.Log.Error().Err(err).Msg("pipeline stopped: refusing webhooks it would never process")
			s.mu.Lock()
			s.pipelineErr = err
			s.mu.Unlock()
		}
		close(s.pipelineDone)
	}()
	go s.expire(ctx, opts.Log)
	go s.runForwarding(ctx, s.forwardingDone)
	s.startServing(opts.Log)
	return nil
}

// feedLag is how far each consumer of the change feed is behind.
func (s *Server) feedLag(context.Context) (map[string]metrics.Lag, error) {
	lags := make(map[string]metrics.Lag, len(consumers))
	now := time.Now()
	for _, consumer := range consumers {
		records, oldest, err := s.Store.FeedLag(consumer, now)
		if err != nil {
			return nil, err
		}
		lags[consumer] = metrics.Lag{Records: records, Oldest: oldest}
	}
	return lags, nil
}

// Shutdown stops accepting deliveries, lets in-flight requests and batches
// finish, then closes the store. A restart resumes from the checkpoints.
func (s *Server) Shutdown(ctx context.Context) error {
	httpErr := errors.Join(s.webhooks.Shutdown(ctx), s.admin.Shutdown(ctx))
	s.stop()
	var stopErr error
	select {
	case <-s.pipelineDone:
		stopErr = s.PipelineErr()
	case <-ctx.Done():
		stopErr = errors.New("pipeline did not stop in time; it resumes from its checkpoints")
	}
	select {
	case <-s.forwardingDone:
	case <-ctx.Done():
		stopErr = errors.Join(stopErr, errors.New("forwarding did not stop in time; undelivered messages stay queued"))
	}
	removeErr := os.Remove(filepath.Join(s.DataDir, ServeFile))
	return errors.Join(httpErr, stopErr, removeErr, s.cleanup())
}

// alerters sends each alert to all of them.
type alerters []notify.Alerter

func (a alerters) Alert(ctx context.Context, alert notify.Alert) error {
	var errs []error
	for _, one := range a {
		errs = append(errs, one.Alert(ctx, alert))
	}
	return errors.Join(errs...)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
