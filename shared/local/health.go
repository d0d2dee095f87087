package local

import (
	"net/http"

	"github.com/payhook/payhook/shared/ingest"
)

// A serve answers 503 in one way, the receiver's (ingest.WriteUnavailable):
// while its pipeline is stopped, on the webhook route and on both
// listeners' /healthz, and where its store cannot be written.

// whilePipelineRuns answers 503 once the pipeline has stopped: a webhook
// acknowledged then would never be processed, and the provider retries.
func (s *Server) whilePipelineRuns(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.PipelineErr() != nil {
			ingest.WriteUnavailable(w)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// health is both listeners' /healthz: the same 503 once the pipeline has
// stopped, so that a supervisor, a load balancer and the CLI all stop
// using this serve.
func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	if s.PipelineErr() != nil {
		ingest.WriteUnavailable(w)
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
