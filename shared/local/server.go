package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/ingest"
	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/secrets"
	"github.com/payhook/payhook/shared/store/embedded"
)

// Files in a data directory.
const (
	DBFile    = "payhook.db"
	AuditFile = "audit.jsonl"
	// ServeFile tells the CLI where a running serve answers, and with
	// which admin token; it is removed when serve stops.
	ServeFile = "serve.json"
)

// Options configure a local server.
type Options struct {
	Addr     string
	DataDir  string
	Receiver config.Receiver
	// Lookup reads provider keys (os.LookupEnv); when it has none, the data
	// directory's development secrets are used, and created if needed.
	Lookup func(string) (string, bool)
	Log    zerolog.Logger
	// Normalize replaces payment.Normalize: the demo injects a bug with it.
	Normalize func(payment.Delivery) (payment.Event, error)
	// Alerter also receives every alert, beside the log.
	Alerter notify.Alerter
}

// Server is the whole pipeline in one process.
type Server struct {
	URL     string
	DataDir string
	Keys    provider.Keys
	// Dev holds the development secrets in use, or nil when the keys come
	// from the environment; DevCreated says they were made just now.
	Dev        *DevSecrets
	DevCreated bool
	Store      *embedded.Store

	http     *http.Server
	stop     context.CancelFunc
	finished chan error
	audit    *os.File
}

// ServeInfo is the content of ServeFile.
type ServeInfo struct {
	URL   string `json:"url"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

// PrepareDataDir creates the data directory if needed and checks that it is
// a writable directory.
func PrepareDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data directory %s: %v", dir, errors.Unwrap(err))
	}
	probe, err := os.CreateTemp(dir, ".write-check-")
	if err != nil {
		return fmt.Errorf("data directory %s: not writable", dir)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// OpenStore opens the data directory's store, saying plainly when a serve
// holds it.
func OpenStore(dir string) (*embedded.Store, error) {
	s, err := embedded.Open(filepath.Join(dir, DBFile), embedded.Options{})
	if err != nil && strings.Contains(err.Error(), "another process holds it") {
		return nil, fmt.Errorf("data directory %s is in use by another payhook process", dir)
	}
	return s, err
}

// Start runs the receiver, the pipeline and the admin API until Shutdown.
func Start(opts Options) (*Server, error) {
	if err := PrepareDataDir(opts.DataDir); err != nil {
		return nil, err
	}
	st, err := OpenStore(opts.DataDir)
	if err != nil {
		return nil, err
	}
	s := &Server{DataDir: opts.DataDir, Store: st, finished: make(chan error, 1)}
	if err := s.start(opts); err != nil {
		st.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) start(opts Options) error {
	listener, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %v", opts.Addr, errors.Unwrap(err))
	}
	s.URL = "http://" + listener.Addr().String()
	keys, fromEnv, err := KeysFromEnv(opts.Lookup)
	if err != nil {
		listener.Close()
		return err
	}
	certs := provider.CertificateSource(provider.NewPayPalCerts(&http.Client{Timeout: 5 * time.Second}, opts.Receiver.PayPalSandbox))
	if !fromEnv {
		dev, created, err := LoadOrCreateDevSecrets(opts.DataDir, s.URL)
		if err != nil {
			listener.Close()
			return err
		}
		// Development secrets are the explicit opt-in to trusting the
		// development PayPal CA; configured keys keep PayPal's real trust.
		keys, s.Dev, s.DevCreated, certs = dev.Keys, &dev, created, dev.PayPal.Certs()
	}
	s.Keys = keys
	s.audit, err = os.OpenFile(filepath.Join(opts.DataDir, AuditFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		listener.Close()
		return err
	}

	alerter := notify.Alerter(notify.LogAlerter{Log: opts.Log})
	if opts.Alerter != nil {
		alerter = alerters{alerter, opts.Alerter}
	}
	normalize := opts.Normalize
	if normalize == nil {
		normalize = payment.Normalize
	}
	pipeline := &Pipeline{
		Store: s.Store,
		Processor: &process.Processor{
			Store: s.Store, DLQ: s.Store.DeadLetterQueue(ProcessorConsumer), Publisher: notify.LogPublisher{Log: opts.Log},
			Alerter: alerter, Critical: process.DefaultCritical, Normalize: normalize, Log: opts.Log,
		},
		Auditor: &audit.Auditor{Sink: audit.LogSink{Log: zerolog.New(s.audit)}, Alerter: alerter, Log: opts.Log},
	}
	token := randomHex(24)
	mux := http.NewServeMux()
	mux.Handle("/webhook/", ingest.HTTPHandler(ingest.New(opts.Receiver, secrets.Static(keys), s.Store, certs, opts.Log)))
	mux.Handle("/admin/", adminHandler(Direct{Table: s.Store, DLQ: s.Store.DeadLetterQueue("operator")}, token))
	mux.Handle(smokeRemovePattern, smokeRemover(s.Store, token))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	info, _ := json.Marshal(ServeInfo{URL: s.URL, Token: token, PID: os.Getpid()})
	if err := os.WriteFile(filepath.Join(opts.DataDir, ServeFile), info, 0o600); err != nil {
		listener.Close()
		s.audit.Close()
		return err
	}
	ctx, stop := context.WithCancel(context.Background())
	s.stop = stop
	go func() { s.finished <- pipeline.Run(ctx) }()
	go s.expire(ctx, opts.Log)
	go func() {
		if err := s.http.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			opts.Log.Error().Err(err).Msg("HTTP server stopped")
		}
	}()
	return nil
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
	httpErr := s.http.Shutdown(ctx)
	s.stop()
	var pipelineErr error
	select {
	case pipelineErr = <-s.finished:
	case <-ctx.Done():
		pipelineErr = errors.New("pipeline did not stop in time; it resumes from its checkpoints")
	}
	os.Remove(filepath.Join(s.DataDir, ServeFile))
	return errors.Join(httpErr, pipelineErr, s.audit.Close(), s.Store.Close())
}

// OpenOperator returns what the CLI operates the data directory with: the
// running serve's admin API when one answers, else the store itself.
// close releases it.
func OpenOperator(dataDir string) (Operator, func() error, error) {
	if info, err := os.Stat(dataDir); err != nil || !info.IsDir() {
		return nil, nil, fmt.Errorf("data directory %s does not exist (payhook serve --data %s creates it)", dataDir, dataDir)
	}
	if info, ok := RunningServe(dataDir); ok {
		return Remote{URL: info.URL, Token: info.Token}, func() error { return nil }, nil
	}
	st, err := OpenStore(dataDir)
	if err != nil {
		return nil, nil, err
	}
	return Direct{Table: st, DLQ: st.DeadLetterQueue("operator")}, st.Close, nil
}

// RunningServe returns the serve running on the data directory, if one
// answers; a serve.json left by a killed serve does not.
func RunningServe(dataDir string) (ServeInfo, bool) {
	raw, err := os.ReadFile(filepath.Join(dataDir, ServeFile))
	var info ServeInfo
	if err != nil || json.Unmarshal(raw, &info) != nil {
		return ServeInfo{}, false
	}
	client := &http.Client{Timeout: time.Second}
	resp, err := client.Get(info.URL + "/healthz")
	if err != nil {
		return ServeInfo{}, false
	}
	resp.Body.Close()
	return info, resp.StatusCode == http.StatusOK
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
