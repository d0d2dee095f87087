package local

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// A data directory holds the store, the development secrets, the audit
// trail and the admin token. Anyone who can write to it can replace any of
// them, so payhook refuses a directory that another user owns or that group
// or others may write, and never follows a symbolic link inside it.

// PrepareDataDir creates the data directory (mode 0700) if needed, checks
// it as CheckDataDir does and that it is writable, and returns its real
// path.
func PrepareDataDir(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("data directory %s: %w", dir, errors.Unwrap(err))
	}
	real, err := CheckDataDir(dir)
	if err != nil {
		return "", err
	}
	probe, err := os.CreateTemp(real, ".write-check-")
	if err != nil {
		return "", fmt.Errorf("data directory %s: not writable", dir)
	}
	return real, errors.Join(probe.Close(), os.Remove(probe.Name()))
}

// CheckDataDir refuses what is not a directory, a directory another user
// owns, and one that group or others may write to. It returns the
// directory's real path, symbolic links resolved once: every later open
// names what was checked, so a link swapped after the check changes
// nothing.
func CheckDataDir(dir string) (string, error) {
	real, err := filepath.EvalSymlinks(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return "", noDataDir(dir)
	}
	if err != nil {
		return "", fmt.Errorf("data directory %s: %w", dir, errors.Unwrap(err))
	}
	info, err := os.Lstat(real)
	if err != nil {
		return "", fmt.Errorf("data directory %s: %w", dir, errors.Unwrap(err))
	}
	if !info.IsDir() {
		return "", fmt.Errorf("data directory %s is not a directory", dir)
	}
	return real, onlyCurrentUserWrites(dir, info)
}

// noDataDir says how to make the missing data directory; it is an
// fs.ErrNotExist.
type noDataDir string

func (d noDataDir) Error() string {
	return fmt.Sprintf("data directory %s does not exist (payhook serve --data %s creates it)", string(d), string(d))
}

func (noDataDir) Unwrap() error { return fs.ErrNotExist }

// errSymlink refuses a link where payhook expects its own file.
func errSymlink(path string) error {
	return fmt.Errorf("%s is a symbolic link; payhook does not follow links in its data directory", path)
}

// notALink fails when path is a symbolic link; a missing file is fine.
func notALink(path string) error {
	info, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case info.Mode()&fs.ModeSymlink != 0:
		return errSymlink(path)
	}
	return nil
}

// openInDataDir opens a file of the data directory without following a
// symbolic link.
func openInDataDir(dir, name string, flag int, perm fs.FileMode) (*os.File, error) {
	path := filepath.Join(dir, name)
	if err := notALink(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, flag|noFollow, perm) //nolint:gosec // G304: payhook's own files, in the checked data directory
	if err != nil && isLinkRefusal(err) {
		return nil, errSymlink(path)
	}
	return f, err
}

// readDataFile reads a file of the data directory without following a
// symbolic link.
func readDataFile(dir, name string) ([]byte, error) {
	f, err := openInDataDir(dir, name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read only
	return io.ReadAll(f)
}

// writeDataFile replaces a file of the data directory: written under a
// temporary name, then renamed, so that a crash never leaves half a file.
func writeDataFile(dir, name string, data []byte) error {
	tmp := name + ".tmp"
	// A leftover from a crash; if it cannot go, the exclusive create says so.
	_ = os.Remove(filepath.Join(dir, tmp))
	f, err := openInDataDir(dir, tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return err
	}
	if err := notALink(filepath.Join(dir, name)); err != nil {
		return err
	}
	return os.Rename(filepath.Join(dir, tmp), filepath.Join(dir, name))
}
