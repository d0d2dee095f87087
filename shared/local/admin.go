package local

import (
	"net/http"
	"os"
	"time"

	"github.com/payhook/payhook/shared/operate"
)

// MetricsPath is where the admin listener serves Prometheus metrics, to
// anyone on this machine: they hold names and counts, never a secret, an
// event or a payload.
const MetricsPath = "/metrics"

// Admin routes that need the data directory, beside operate's; like the
// rest of the admin API, each needs serve.json's token.
const (
	trailPath  = "/admin/trail"
	checkPath  = "/admin/check"
	backupPath = "/admin/backup"
)

// adminHandler is the admin listener's: the admin API (the operator's
// routes and the data directory's) behind operate's one token check, the
// health check, and Prometheus metrics.
func (s *Server) adminHandler(operator operate.Operator, token string, limits Limits) http.Handler {
	api := http.NewServeMux()
	operate.Routes(api, operator)
	s.dataDirRoutes(api)
	admin := http.NewServeMux()
	admin.Handle("/admin/", operate.RequireToken(token, api))
	admin.HandleFunc("GET /healthz", s.health)
	// Unlike /admin/, no token: a scraper on this machine needs none, and
	// what it reads names no event, payment or secret.
	admin.Handle("GET "+MetricsPath, s.Metrics.Handler())
	return http.MaxBytesHandler(admin, limits.MaxAdminBodyBytes)
}

// dataDirRoutes serves the audit trail's position, a check and a backup
// of the running serve's data directory, and smoke's removals.
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
