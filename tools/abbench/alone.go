package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/ingest"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/paypal"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/secrets"
)

// serveAlone runs one of the servers serve is measured against, on the
// data directory's development secrets (which bench signs with), until
// interrupted:
//
//   - ceiling: reads each delivery's body as the receiver does and checks
//     its signature with the provider's own verifier, then answers 200;
//     nothing parsed, logged or stored. No server that stores anything
//     can be faster on this machine.
//   - receive: serve's receiver and durable store (the same options,
//     fsync on every commit), logging as serve does, and no pipeline:
//     receiving alone.
func serveAlone(args []string) error {
	if len(args) != 3 {
		return errors.New("usage: abbench serve ceiling|receive DIR ADDR")
	}
	mode, dir, addr := args[0], args[1], args[2]
	var cfg config.Receiver
	if err := config.Load(os.LookupEnv, &cfg); err != nil {
		return err
	}
	if _, err := local.PrepareDataDir(dir); err != nil {
		return err
	}
	dev, _, err := local.LoadOrCreateDevSecrets(dir, "http://"+addr)
	if err != nil {
		return err
	}
	certs, _, err := paypal.DevCerts(dev.Keys)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	switch mode {
	case "ceiling":
		mux.Handle("/webhook/{provider}", verifyOnly(cfg, dev.Keys, certs))
	case "receive":
		st, err := local.OpenStore(dir)
		if err != nil {
			return err
		}
		defer func() { _ = st.Close() }()
		log := observe.NewLogger(os.Stderr, "info", "payhook")
		mux.Handle("/", ingest.HTTPHandler(ingest.New(cfg, secrets.Static(dev.Keys), st, certs, log)))
	default:
		return fmt.Errorf("no mode %q", mode)
	}
	server := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	go func() {
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = server.Shutdown(ctx)
	}()
	if err := server.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func verifyOnly(cfg config.Receiver, keys provider.Keys, certs provider.CertificateSource) http.Handler {
	verifiers := map[string]provider.Verifier{}
	for _, p := range registry.All {
		verifiers[p.Name] = p.NewVerifier(provider.Config{Tolerance: provider.DefaultTolerance, Certificates: certs, TransmissionWindow: cfg.PayPalTransmissionWindow})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := verifiers[r.PathValue("provider")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, int64(cfg.MaxBodyBytes)+1))
		if err != nil {
			http.Error(w, "unreadable", http.StatusBadRequest)
			return
		}
		if _, err := v.Verify(r.Context(), provider.Delivery{Header: r.Header, Body: body}, keys, time.Now()); err != nil {
			http.Error(w, "unverified", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"accepted"}`))
	})
}
