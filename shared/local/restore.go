package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/store/embedded"
)

// RestoreReport says what a restore put in place.
type RestoreReport struct {
	Manifest BackupManifest `json:"manifest"`
	// Check is the restored data directory's check, run before anything
	// was replaced.
	Check CheckReport `json:"check"`
	// Replaced are the files moved aside, by their new names.
	Replaced []string `json:"replaced,omitempty"`
}

// restoring marks a file a restore has read but not yet put in place.
const restoringSuffix = ".restoring"

// restoredFiles are the data directory's files a backup holds.
var restoredFiles = []string{DBFile, AuditFile, DevSecretsFile}

// Restore puts a backup in place in dataDir (created if needed), which
// serve must not be running on. Files already there are refused, unless
// replace: then they are moved aside, renamed NAME.replaced-TIME. The
// backup is read whole and checked (the store with bbolt's check of every
// page, the trail against it) before anything is replaced.
func Restore(ctx context.Context, dataDir string, backup io.Reader, replace bool) (RestoreReport, error) {
	dir, err := PrepareDataDir(dataDir)
	if err != nil {
		return RestoreReport{}, err
	}
	if _, running := RunningServe(dir); running {
		return RestoreReport{}, fmt.Errorf("payhook serve is running on %s: stop it first, a restore replaces its store", dataDir)
	}
	var present []string
	for _, name := range restoredFiles {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			present = append(present, name)
		}
	}
	if len(present) > 0 && !replace {
		return RestoreReport{}, fmt.Errorf("%s already holds %s: payhook restore --replace moves them aside (NAME.replaced-TIME) and restores in their place",
			dataDir, strings.Join(present, ", "))
	}
	report, err := readRestored(ctx, dir, backup)
	if err != nil {
		for _, name := range restoredFiles {
			_ = os.Remove(filepath.Join(dir, name+restoringSuffix)) // what there is of it; the error says why
		}
		return report, err
	}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	for _, name := range present {
		aside := name + ".replaced-" + stamp
		if err := os.Rename(filepath.Join(dir, name), filepath.Join(dir, aside)); err != nil {
			return report, err
		}
		report.Replaced = append(report.Replaced, filepath.Join(dataDir, aside))
	}
	for _, name := range restoredFiles {
		err := os.Rename(filepath.Join(dir, name+restoringSuffix), filepath.Join(dir, name))
		if err != nil && (name != DevSecretsFile || !errors.Is(err, fs.ErrNotExist)) {
			return report, err
		}
	}
	return report, syncDir(dir)
}

// readRestored reads the backup into the data directory's restoring files
// and checks them.
func readRestored(ctx context.Context, dir string, backup io.Reader) (RestoreReport, error) {
	var report RestoreReport
	for _, name := range restoredFiles {
		if err := os.Remove(filepath.Join(dir, name+restoringSuffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return report, err // left by a restore that stopped
		}
	}
	manifest, err := readBackup(backup, func(name string, _ int64, content io.Reader) error {
		f, err := openInDataDir(dir, name+restoringSuffix, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		_, err = io.Copy(f, content)
		if err == nil {
			err = f.Sync()
		}
		return errors.Join(err, f.Close())
	})
	report.Manifest = manifest
	if err != nil {
		return report, err
	}
	st, err := embedded.Open(filepath.Join(dir, DBFile+restoringSuffix), embedded.Options{
		Consumers: consumers, DamageAdvice: "the backup holds a damaged store: restore an earlier one",
	})
	if err != nil {
		return report, err
	}
	checked, err := st.Check(ctx, true)
	if err == nil {
		report.Check.Trail.Position, err = positionAgainst(st)
	}
	if err = errors.Join(err, st.Close()); err != nil {
		return report, err
	}
	trail, err := openInDataDir(dir, AuditFile+restoringSuffix, os.O_RDONLY, 0)
	if err != nil {
		return report, err
	}
	defer func() { _ = trail.Close() }() // read only
	state, err := audit.ReadTrailState(trail)
	if err != nil {
		return report, err
	}
	if state.Torn > 0 || state.Last != manifest.Position.Trail {
		return report, fmt.Errorf("the backup's %s does not end as its manifest says: a damaged backup", AuditFile)
	}
	checked.Path = filepath.Join(dir, DBFile)
	position := report.Check.Trail.Position
	position.Trail = state.Last
	report.Check = newCheckReport(checked, TrailReport{Path: filepath.Join(dir, AuditFile), Bytes: state.Size, Position: position})
	if len(checked.Damage) > 0 {
		return report, fmt.Errorf("the backup holds a damaged store (%s): restore an earlier one", strings.Join(checked.Damage, "; "))
	}
	return report, position.Mismatch(AuditFile)
}
