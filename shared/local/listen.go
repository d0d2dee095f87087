package local

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/rs/zerolog"
)

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

// closeListener closes l unless its server already did.
func closeListener(l net.Listener) func() error {
	return func() error {
		if err := l.Close(); !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	}
}
