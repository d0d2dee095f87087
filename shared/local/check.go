package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/store/embedded"
)

// CheckReport is what payhook check found in a data directory.
type CheckReport struct {
	Store embedded.CheckReport `json:"store"`
	Trail TrailReport          `json:"trail"`
	// Problems say what is wrong: none when the data directory is sound.
	Problems []string `json:"problems,omitempty"`
}

// TrailReport is where the audit trail stands.
type TrailReport struct {
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
	// Torn is the length of a last line a crash left half written, which
	// serve moves aside when it starts.
	Torn     int64         `json:"torn,omitempty"`
	Position TrailPosition `json:"position"`
}

func newCheckReport(st embedded.CheckReport, trail TrailReport) CheckReport {
	report := CheckReport{Store: st, Trail: trail}
	for _, damage := range st.Damage {
		report.Problems = append(report.Problems, st.Path+": "+damage)
	}
	if err := trail.Position.MismatchIn(filepath.Dir(trail.Path)); err != nil {
		report.Problems = append(report.Problems, err.Error())
	}
	if gap := trail.Position.Gap(trail.Path); gap != "" {
		report.Problems = append(report.Problems, gap)
	}
	return report
}

// Check reads the whole data directory: the store, every part and value,
// and where the audit trail stands against it. The running serve does it
// when one answers, beside its pipeline; otherwise the store is opened
// here and bbolt's check of every page runs too.
func Check(ctx context.Context, dataDir string) (CheckReport, error) {
	dir, err := CheckDataDir(dataDir)
	if err != nil {
		return CheckReport{}, err
	}
	if info, ok := RunningServe(dir); ok {
		var report CheckReport
		return report, remote(info, 15*time.Minute).Call(ctx, http.MethodGet, checkPath, nil, &report)
	}
	st, err := openExistingStore(dir)
	if err != nil {
		return CheckReport{}, err
	}
	defer func() { _ = st.Close() }() // read, and the buckets an older file lacked
	trail, err := trailReport(dir, st)
	if err != nil {
		return CheckReport{}, err
	}
	report, err := st.Check(ctx, true)
	if err != nil {
		return CheckReport{}, err
	}
	return newCheckReport(report, trail), nil
}

// AuditPosition is where the data directory's audit trail stands against
// its store: as the running serve sees it, when one answers. A data
// directory without a store is an fs.ErrNotExist.
func AuditPosition(ctx context.Context, dataDir string) (TrailPosition, error) {
	dir, err := CheckDataDir(dataDir)
	if err != nil {
		return TrailPosition{}, err
	}
	if info, ok := RunningServe(dir); ok {
		var position TrailPosition
		return position, remote(info, 0).Call(ctx, http.MethodGet, trailPath, nil, &position)
	}
	st, err := openExistingStore(dir)
	if err != nil {
		return TrailPosition{}, err
	}
	defer func() { _ = st.Close() }() // read only
	trail, err := trailReport(dir, st)
	return trail.Position, err
}

// openExistingStore opens dir's store, which must be there: what only
// reads a store does not create one. A missing store is an fs.ErrNotExist.
func openExistingStore(dir string) (*embedded.Store, error) {
	// An empty file (a copy that failed) is no store either: opened, it
	// would be made a new, empty one.
	if info, err := os.Lstat(filepath.Join(dir, DBFile)); errors.Is(err, fs.ErrNotExist) || (err == nil && info.Size() == 0) {
		return nil, noStore(dir)
	}
	return OpenStore(dir)
}

// noStore says a data directory holds no store; it is an fs.ErrNotExist.
type noStore string

func (d noStore) Error() string {
	return fmt.Sprintf("data directory %s holds no store (%s): payhook serve --data %s creates one, payhook restore puts one back", string(d), DBFile, string(d))
}

func (noStore) Unwrap() error { return fs.ErrNotExist }

// trailReport reads where dir's trail stands against st; no trail is an
// empty one.
func trailReport(dir string, st *embedded.Store) (TrailReport, error) {
	position, err := positionAgainst(st)
	if err != nil {
		return TrailReport{}, err
	}
	report := TrailReport{Path: filepath.Join(dir, AuditFile)}
	f, err := openInDataDir(dir, AuditFile, os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		report.Position = position
		return report, nil
	}
	if err != nil {
		return TrailReport{}, err
	}
	defer func() { _ = f.Close() }() // read only
	state, err := audit.ReadTrailState(f)
	if err != nil {
		return TrailReport{}, err
	}
	position.Trail = state.Last
	report.Bytes, report.Torn, report.Position = state.Size+state.Torn, state.Torn, position
	return report, nil
}

// remote is the running serve's admin API, answering within timeout
// (operate's default when zero).
func remote(info ServeInfo, timeout time.Duration) operate.Remote {
	r := operate.Remote{URL: info.AdminURL, Token: info.Token}
	if timeout > 0 {
		r.Client = &http.Client{Timeout: timeout}
	}
	return r
}
