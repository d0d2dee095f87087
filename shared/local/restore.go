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
	"github.com/payhook/payhook/shared/store"
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
// no process may hold. Files already there are refused, unless replace:
// then each is kept beside, as NAME.replaced-TIME. The backup is read
// whole and checked (the store with bbolt's check of every page, the
// trail against it) before anything is replaced.
//
// The store's lock, which serve holds as long as it runs (answering or
// not: stopped, slow, its pipeline failed), is taken on the present store
// and on the restored one and held until both are in place: a serve that
// holds the store is refused, and one starting meanwhile waits for the
// lock and gives up, rather than writing into a file moved aside.
func Restore(ctx context.Context, dataDir string, backup io.Reader, replace bool) (RestoreReport, error) {
	dir, err := PrepareDataDir(dataDir)
	if err != nil {
		return RestoreReport{}, err
	}
	current, err := lockStore(dir, DBFile)
	if err != nil {
		return RestoreReport{}, err
	}
	if current != nil {
		defer func() { _ = current.Close() }() // the lock; nothing written
	}
	var present []string
	for _, name := range restoredFiles {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			present = append(present, name)
		}
	}
	if len(present) > 0 && !replace {
		return RestoreReport{}, fmt.Errorf("%s already holds %s: payhook restore --replace keeps them beside (NAME.replaced-TIME) and restores in their place",
			dataDir, strings.Join(present, ", "))
	}
	report, err := readRestored(ctx, dir, backup)
	var restored *os.File
	if err == nil {
		restored, err = lockStore(dir, DBFile+restoringSuffix)
	}
	if err != nil {
		for _, name := range restoredFiles {
			_ = os.Remove(filepath.Join(dir, name+restoringSuffix)) // what there is of it; the error says why
		}
		return report, err
	}
	defer func() { _ = restored.Close() }() // the lock; nothing written
	stamp := time.Now().UTC().Format("20060102T150405Z")
	for _, name := range present {
		// A link, not a rename: the data directory never lacks the file,
		// which a serve starting meanwhile would create anew.
		aside := name + ".replaced-" + stamp
		if err := os.Link(filepath.Join(dir, name), filepath.Join(dir, aside)); err != nil {
			return report, err
		}
		report.Replaced = append(report.Replaced, filepath.Join(dataDir, aside))
	}
	for _, name := range restoredFiles {
		err := os.Rename(filepath.Join(dir, name+restoringSuffix), filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) && name == DevSecretsFile {
			err = os.Remove(filepath.Join(dir, name)) // the backup has none: the one present is kept beside
			if errors.Is(err, fs.ErrNotExist) {
				err = nil
			}
		}
		if err != nil {
			return report, err
		}
	}
	return report, syncDir(dir)
}

// lockRetry is how often a lock held by another process is tried again.
const lockRetry = 50 * time.Millisecond

// lockStore opens dir's store file name and takes its lock, as bbolt
// does, waiting up to a second; nil when there is no such file. Closing
// the file releases the lock.
func lockStore(dir, name string) (*os.File, error) {
	f, err := openInDataDir(dir, name, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := lockExclusive(f, time.Second); err != nil {
		_ = f.Close() // nothing written
		if errors.Is(err, store.ErrLocked) {
			return nil, fmt.Errorf("%s is in use by another process, payhook serve (stopped, slow or failing, it still holds it): stop that process first, a restore replaces its store", f.Name())
		}
		return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return f, nil
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
		Consumers: consumers, DamageAdvice: "the backup holds a damaged store: restore an earlier one", Log: commandLog(),
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
	if manifest.TrailSHA256 != "" {
		if err := CheckAnchor(manifest, trail); err != nil {
			return report, fmt.Errorf("the backup's %s is not the one its manifest recorded: a damaged backup", AuditFile)
		}
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
