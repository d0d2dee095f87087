package console

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Standalone is a console with a listener of its own, on loopback: what
// payhook console serves where no serve runs (an AWS deployment's table,
// or a data directory's store).
type Standalone struct {
	// LoginURL is the first one-time login link.
	LoginURL string
	server   *http.Server
	listener net.Listener
}

// maxFormBytes bounds an action's form.
const maxFormBytes = 64 << 10

// Listen opens addr, which must be a loopback address ("127.0.0.1:0"
// picks a free port), for a console of cfg's.
func Listen(addr string, cfg Config) (*Standalone, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--listen %s: want host:port on loopback, such as 127.0.0.1:8090", addr)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("--listen %s: the console listens on loopback only (127.0.0.1); reach it from elsewhere through an SSH tunnel", addr)
	}
	var lc net.ListenConfig
	l, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, err
	}
	c := New(cfg)
	bound := l.Addr().String()
	mux := http.NewServeMux()
	mux.Handle(Prefix, c.Handler())
	mux.Handle("GET /{$}", http.RedirectHandler(Prefix+"events", http.StatusSeeOther))
	server := &http.Server{
		Handler:           Guard(LoopbackHosts(bound), http.MaxBytesHandler(mux, maxFormBytes)),
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute,
	}
	return &Standalone{LoginURL: "http://" + bound + c.NewLogin(), server: server, listener: l}, nil
}

// Serve serves until ctx ends, then lets requests in flight finish.
func (s *Standalone) Serve(ctx context.Context) error {
	served := make(chan error, 1)
	go func() { served <- s.server.Serve(s.listener) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.server.Shutdown(shutdown)
	if served := <-served; !errors.Is(served, http.ErrServerClosed) {
		err = errors.Join(err, served)
	}
	return err
}
