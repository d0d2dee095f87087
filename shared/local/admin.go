package local

import (
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	"github.com/payhook/payhook/shared/operate"
)

// Admin routes that need the data directory, beside operate's and behind
// its token check.
const (
	trailPath  = "/admin/trail"
	checkPath  = "/admin/check"
	backupPath = "/admin/backup"
	// ProfilePath is a CPU profile of serve, ?seconds=N (under the admin
	// listener's 30 s write timeout): where serve's time goes under a
	// load, and what profile-guided optimisation was measured with
	// (docs/benchmarks.md). It holds function names and counts, never an
	// event or a secret, and like the rest needs the token.
	ProfilePath = "/admin/debug/pprof/profile"
)

// dataDirRoutes serves the audit trail's position, a check and a backup
// of the running serve's data directory, and a CPU profile of serve.
func (s *Server) dataDirRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+trailPath, func(w http.ResponseWriter, _ *http.Request) {
		position, err := s.trailPosition()
		operate.Reply(w, position, err)
	})
	mux.HandleFunc("GET "+checkPath, func(w http.ResponseWriter, r *http.Request) {
		// A large store takes longer to read than the write timeout.
		if err := http.NewResponseController(w).SetWriteDeadline(time.Time{}); err != nil {
			operate.Reply(w, nil, err)
			return
		}
		report, err := s.check(r)
		operate.Reply(w, report, err)
	})
	mux.HandleFunc("GET "+backupPath, s.serveBackup)
	mux.HandleFunc(smokeRemovePattern, smokeRemover(s.Store))
	mux.HandleFunc("GET "+ProfilePath, pprof.Profile)
}

// trailPosition is where the running trail stands against the store.
func (s *Server) trailPosition() (TrailPosition, error) {
	position, err := positionAgainst(s.Store)
	position.Trail = s.audit.Last()
	return position, err
}

// check reads the whole store in a read transaction, beside the pipeline:
// bbolt's check of every page cannot run beside writers, and is left out.
func (s *Server) check(r *http.Request) (CheckReport, error) {
	position, err := s.trailPosition()
	if err != nil {
		return CheckReport{}, err
	}
	report, err := s.Store.Check(r.Context(), false)
	if err != nil {
		return CheckReport{}, err
	}
	trail := TrailReport{Path: s.auditPath, Position: position}
	if info, err := os.Stat(s.auditPath); err == nil {
		trail.Bytes = info.Size()
	}
	return newCheckReport(report, trail), nil
}
