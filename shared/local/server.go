package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/ingest"
	"github.com/payhook/payhook/shared/metrics"
	"github.com/payhook/payhook/shared/metrics/prom"
	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/paypal"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/reconcile"
	"github.com/payhook/payhook/shared/secrets"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
)

// Files in a data directory.
const (
	DBFile    = "payhook.db"
	AuditFile = "audit.jsonl"
	// ServeFile tells the CLI where a running serve's admin API answers,
	// and with which token; it is removed when serve stops.
	ServeFile = "serve.json"
)

// MetricsPath is where the admin listener serves Prometheus metrics, to
// anyone on this machine: they hold names and counts, never a secret, an
// event or a payload.
const MetricsPath = "/metrics"

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

	webhooks, admin *http.Server
	startServing    func(zerolog.Logger)
	certs           provider.CertificateSource
	stop            context.CancelFunc
	pipelineDone    chan struct{}
	forwarding      *forward.Dispatcher
	forwardingDone  chan struct{}
	audit           *audit.FileTrail
	auditPath       string
	cleanups        []func() error

	mu          sync.Mutex
	pipelineErr error // set when the pipeline has stopped
	// backingUp is held while a backup is taken: one at a time.
	backingUp sync.Mutex
}

// ServeInfo is the content of ServeFile.
type ServeInfo struct {
	URL      string `json:"url"`
	AdminURL string `json:"admin_url"`
	Token    string `json:"token"`
	PID      int    `json:"pid"`
}

// OpenStore opens the data directory's store, saying plainly when a serve
// holds it.
func OpenStore(dir string) (*embedded.Store, error) {
	return openStore(dir, nil, commandLog())
}

// commandLog is where a store opened by a command other than serve logs
// the stack of a panic it recovered: standard error, errors only, which a
// bug's panic is; a damaged file's own stay out of its one-line report.
func commandLog() zerolog.Logger {
	return zerolog.New(os.Stderr).Level(zerolog.ErrorLevel).With().Timestamp().Logger()
}

// openStore opens the store, telling onCommit of every commit and log of
// every panic recovered.
func openStore(dir string, onCommit func(string, time.Duration), log zerolog.Logger) (*embedded.Store, error) {
	real, err := CheckDataDir(dir)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(real, DBFile)
	if err := notALink(path); err != nil {
		return nil, err
	}
	s, err := embedded.Open(path, embedded.Options{Consumers: consumers, OnCommit: onCommit, DamageAdvice: damageAdvice(dir), Log: log})
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("data directory %s is in use by another payhook process", dir)
	}
	return s, err
}

// damageAdvice is what to do about a damaged store in dir.
func damageAdvice(dir string) string {
	trail := filepath.Join(dir, AuditFile)
	return fmt.Sprintf("%s beside it is a file of its own (payhook audit verify %s --complete --no-repeats reads it). "+
		"Restore your latest backup: payhook restore --data %s --replace BACKUP; with none, serve a new data directory "+
		"and payhook reconcile each provider since this one's start", trail, trail, dir)
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

func (s *Server) openDataDir(opts Options) error {
	real, err := PrepareDataDir(opts.DataDir)
	if err != nil {
		return err
	}
	s.DataDir = real
	st, err := openStore(real, s.Metrics.StoreCommit, opts.Log)
	if err != nil {
		return err
	}
	s.Store = st
	s.onCleanup(st.Close)
	return nil
}

// listen opens the webhook listener where asked and the admin listener on
// loopback, on a port of the kernel's choosing.
func (s *Server) listen(opts Options) error {
	var lc net.ListenConfig
	webhooks, err := lc.Listen(context.Background(), "tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", opts.Addr, errors.Unwrap(err))
	}
	s.onCleanup(closeListener(webhooks))
	admin, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the admin API on loopback: %w", errors.Unwrap(err))
	}
	s.onCleanup(closeListener(admin))
	s.URL, s.AdminURL = "http://"+webhooks.Addr().String(), "http://"+admin.Addr().String()
	s.MetricsURL = s.AdminURL + MetricsPath
	s.webhooks, s.admin = newHTTPServer(opts.Limits), newHTTPServer(opts.Limits)
	listeners := map[*http.Server]net.Listener{s.webhooks: webhooks, s.admin: admin}
	s.startServing = func(log zerolog.Logger) {
		for server, l := range listeners {
			go func() {
				if err := server.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
					log.Error().Err(err).Str("addr", server.Addr).Msg("HTTP server stopped")
				}
			}()
		}
	}
	return nil
}

// loadKeys takes the provider keys from the environment, or else the data
// directory's development secrets, which are the explicit opt-in to
// trusting the development PayPal CA.
func (s *Server) loadKeys(opts Options) error {
	keys, fromEnv, err := KeysFromEnv(opts.Lookup)
	if err != nil {
		return err
	}
	s.certs = paypal.NewCerts(&http.Client{Timeout: 5 * time.Second}, opts.Receiver.PayPalSandbox)
	if !fromEnv {
		dev, created, err := LoadOrCreateDevSecrets(s.DataDir, s.URL)
		if err != nil {
			return err
		}
		devCerts, _, err := paypal.DevCerts(dev.Keys)
		if err != nil {
			return fmt.Errorf("%s: %w", DevSecretsFile, err)
		}
		keys, s.Dev, s.DevCreated, s.certs = dev.Keys, &dev, created, devCerts
		if keys, err = WithAPIKeys(keys, opts.Lookup); err != nil {
			return err
		}
	}
	s.Keys = keys
	return nil
}

// openAuditTrail checks that the trail belongs with the store, then cuts
// it back to the auditor's checkpoint: records a crash left past it, and
// a line it tore, are kept beside it and written again from the feed.
func (s *Server) openAuditTrail(opts Options) error {
	f, err := openInDataDir(s.DataDir, AuditFile, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	s.onCleanup(f.Close)
	state, err := audit.ReadTrailState(f)
	if err != nil {
		return err
	}
	position, err := positionAgainst(s.Store)
	if err != nil {
		return err
	}
	position.Trail = state.Last
	if err := position.MismatchIn(s.DataDir); err != nil {
		return err // nothing changed: the operator decides
	}
	cut, aside, err := cutTrail(s.DataDir, f, position.Checkpoint)
	if err != nil {
		return err
	}
	if aside != "" {
		opts.Log.Warn().Str("file", f.Name()).Str("kept_in", aside).Uint64("checkpoint", position.Checkpoint).
			Msg("cut the audit trail back to the auditor's checkpoint: what a crash left past it (records whose checkpoint never committed, a torn line) is kept beside it, and the feed delivers those changes again")
	}
	position.Trail = cut.Last
	if gap := position.Gap(f.Name()); gap != "" {
		opts.Log.Error().Str("file", f.Name()).Msg(gap)
	}
	s.audit, s.auditPath = audit.NewFileTrail(f, cut), f.Name()
	return nil
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
	ingester.Metrics = s.Metrics
	receiver := ingest.HTTPHandler(ingester)
	webhooks := http.NewServeMux()
	webhooks.Handle("/", s.whilePipelineRuns(receiver))
	webhooks.HandleFunc("GET /healthz", s.health)
	admin := http.NewServeMux()
	operator := operate.Table{
		Store: s.Store, DLQ: s.Store.DeadLetterQueue(ProcessorConsumer), Outbox: s.Store,
		Reconciler: &reconcile.Reconciler{
			Store:     s.Store,
			Retention: func(p string) time.Duration { return registry.Retention(opts.Receiver.Retention, p) },
			Alerter:   alerter, Log: opts.Log,
		},
		Sources: func(name string) (reconcile.Source, error) {
			source, err := reconcile.SourceFor(name, s.Keys, apiConfig)
			if errors.As(err, new(reconcile.MissingCredentials)) {
				err = fmt.Errorf("%w in payhook serve's environment, which reconciles while it runs: restart serve with them set", err)
			}
			return source, err
		},
	}
	admin.Handle("/admin/", operate.AdminHandler(operator, token, s.dataDirRoutes))
	admin.HandleFunc("GET /healthz", s.health)
	// Unlike /admin/, no token: a scraper on this machine needs none, and
	// what it reads names no event, payment or secret.
	admin.Handle("GET "+MetricsPath, s.Metrics.Handler())
	s.Metrics.FeedLag(s.feedLag)
	s.webhooks.Handler = webhooks
	s.admin.Handler = http.MaxBytesHandler(admin, limits.MaxAdminBodyBytes)

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

// whilePipelineRuns answers 503 once the pipeline has stopped: a webhook
// acknowledged then would never be processed, and the provider retries.
func (s *Server) whilePipelineRuns(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.PipelineErr() != nil {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", fmt.Sprint(ingest.RetryAfterSeconds))
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"error":"unavailable"}`))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	if err := s.PipelineErr(); err != nil {
		http.Error(w, "pipeline stopped", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ok\n"))
}

// PipelineErr is why the pipeline stopped on its own, or nil while it runs
// (and after a Shutdown).
func (s *Server) PipelineErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pipelineErr
}

// Failed is closed when the pipeline stops on its own; PipelineErr says why.
func (s *Server) Failed() <-chan struct{} {
	failed := make(chan struct{})
	go func() {
		<-s.pipelineDone
		if s.PipelineErr() != nil {
			close(failed)
		}
	}()
	return failed
}

// expire applies the items' TTL once a minute, as DynamoDB would.
func (s *Server) expire(ctx context.Context, log zerolog.Logger) {
	ticker := time.NewTicker(time.Minute)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if n, err := s.Store.Expire(ctx, time.Now()); err != nil {
				log.Error().Err(err).Msg("expiry")
			} else if n > 0 {
				log.Info().Int("items", n).Msg("expired")
			}
		}
	}
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

// OpenOperator returns what the CLI operates the data directory with: the
// running serve's admin API when one answers, else the store itself.
// close releases it.
func OpenOperator(dataDir string) (operate.Operator, func() error, error) {
	dataDir, err := CheckDataDir(dataDir)
	if err != nil {
		return nil, nil, err
	}
	if info, ok := RunningServe(dataDir); ok {
		return operate.Remote{URL: info.AdminURL, Token: info.Token}, func() error { return nil }, nil
	}
	st, err := OpenStore(dataDir)
	if err != nil {
		return nil, nil, err
	}
	return operate.Table{Store: st, DLQ: st.DeadLetterQueue(ProcessorConsumer), Outbox: st}, st.Close, nil
}

// RunningServe returns the serve running on the data directory, if its
// admin API answers, proves it holds serve.json's token without being sent
// it, and is healthy. A serve.json left by a killed serve does not answer;
// another process that took its port cannot prove the token, and so never
// receives it.
func RunningServe(dataDir string) (ServeInfo, bool) {
	dataDir, err := CheckDataDir(dataDir)
	if err != nil {
		return ServeInfo{}, false
	}
	raw, err := readDataFile(dataDir, ServeFile)
	var info ServeInfo
	if err != nil || json.Unmarshal(raw, &info) != nil || info.AdminURL == "" {
		return ServeInfo{}, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if operate.ProveServe(ctx, info.AdminURL, info.Token) != nil {
		return ServeInfo{}, false
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, info.AdminURL+"/healthz", nil)
	if err != nil {
		return ServeInfo{}, false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ServeInfo{}, false
	}
	_ = resp.Body.Close() // the status is the answer
	return info, resp.StatusCode == http.StatusOK
}

// closeListener closes l unless its server already did.
func closeListener(l net.Listener) func() error {
	return func() error {
		if err := l.Close(); !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	}
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
