package local

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/console"
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
	// consoleLoginPath mints a console login link, for payhook console.
	consoleLoginPath = "/admin/console/login"
	// ProfilePath is a CPU profile of serve, ?seconds=N (under the admin
	// listener's 30 s write timeout): where serve's time goes under a
	// load, and what profile-guided optimisation was measured with
	// (docs/benchmarks.md). It holds function names and counts, never an
	// event or a secret, and like the rest needs the token.
	ProfilePath = "/admin/debug/pprof/profile"
)

// adminHandler is the admin listener's: the admin API (the operator's
// routes and the data directory's) behind operate's one token check, the
// web console over the same operator, the health check, and Prometheus
// metrics; every one of them behind the console's Host and Origin guard,
// so that a page that rebinds a name to this port reads nothing.
func (s *Server) adminHandler(operator operate.Operator, token string, limits Limits, log zerolog.Logger) http.Handler {
	s.console = console.New(console.Config{Operator: operator, Audit: s.verifyTrail, Where: "data directory " + s.DataDir, Log: log})
	api := http.NewServeMux()
	operate.Routes(api, operator)
	s.dataDirRoutes(api)
	api.HandleFunc("POST "+consoleLoginPath, func(w http.ResponseWriter, _ *http.Request) {
		operate.Reply(w, map[string]string{"url": s.AdminURL + s.console.NewLogin()}, nil)
	})
	admin := http.NewServeMux()
	admin.Handle("/admin/", operate.RequireToken(token, api))
	admin.Handle(console.Prefix, s.console.Handler())
	admin.HandleFunc("GET /healthz", s.health)
	// Unlike /admin/, no token: a scraper on this machine needs none, and
	// what it reads names no event, payment or secret.
	admin.Handle("GET "+MetricsPath, s.Metrics.Handler())
	hosts := console.LoopbackHosts(strings.TrimPrefix(s.AdminURL, "http://"))
	return console.Guard(hosts, http.MaxBytesHandler(admin, limits.MaxAdminBodyBytes))
}

// ConsoleLogin asks the serve running at adminURL for a new console login
// link, with serve.json's token.
func ConsoleLogin(ctx context.Context, info ServeInfo) (string, error) {
	var answer struct {
		URL string `json:"url"`
	}
	err := operate.Remote{URL: info.AdminURL, Token: info.Token}.Call(ctx, http.MethodPost, consoleLoginPath, nil, &answer)
	return answer.URL, err
}

// verifyTrail verifies the running trail as payhook audit verify does,
// up to its last whole line when read: the auditor appends meanwhile.
func (s *Server) verifyTrail(context.Context) (audit.Report, error) {
	position, err := s.trailPosition()
	if err != nil {
		return audit.Report{}, err
	}
	f, err := openInDataDir(s.DataDir, AuditFile, os.O_RDONLY, 0)
	if err != nil {
		return audit.Report{}, err
	}
	defer func() { _ = f.Close() }() // read only
	size, err := wholeLines(f)
	if err != nil {
		return audit.Report{}, err
	}
	report, err := audit.Verify(io.NewSectionReader(f, 0, size), audit.VerifyOptions{Complete: true, Contiguous: true})
	if gap := position.Gap(s.auditPath); err == nil && gap != "" {
		report.Breaks = append(report.Breaks, audit.Break{Why: gap})
	}
	return report, err
}

// wholeLines is the length of f up to the end of its last whole line.
func wholeLines(f *os.File) (int64, error) {
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	size := info.Size()
	const chunk = 64 << 10
	for end := size; end > 0; end -= chunk {
		start := max(0, end-chunk)
		buf := make([]byte, end-start)
		if _, err := f.ReadAt(buf, start); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
	}
	return 0, nil
}

// dataDirRoutes serves the audit trail's position, a check and a backup
// of the running serve's data directory, smoke's removals, and a CPU
// profile of serve.
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
