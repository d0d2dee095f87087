//go:build unix

package local

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"

	"github.com/payhook/payhook/shared/store"
)

const noFollow = syscall.O_NOFOLLOW

// isLinkRefusal tells the error O_NOFOLLOW gives on a symbolic link: ELOOP
// on Linux and macOS, EMLINK on FreeBSD.
func isLinkRefusal(err error) bool {
	return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK)
}

func onlyCurrentUserWrites(dir string, info fs.FileInfo) error {
	if stat, ok := info.Sys().(*syscall.Stat_t); ok && int(stat.Uid) != os.Geteuid() {
		return fmt.Errorf("data directory %s is owned by user %d, not by you (%d); payhook keeps secrets there", dir, stat.Uid, os.Geteuid())
	}
	if info.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("data directory %s can be written by group or others (mode %04o); run chmod 700 %s", dir, info.Mode().Perm(), dir)
	}
	return nil
}

// syncDir makes the renames in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir) //nolint:gosec // G304: the checked data directory
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// lockExclusive takes the lock bbolt takes on its store (flock,
// exclusive), waiting up to timeout for a holder to let go; closing f
// releases it. A process holds it as long as it has the store open,
// answering or not: stopped, or with its pipeline failed.
func lockExclusive(f *os.File, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) //nolint:gosec // G115: a file descriptor fits an int
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, syscall.EWOULDBLOCK):
			return err
		case time.Now().After(deadline):
			return store.ErrLocked
		}
		time.Sleep(lockRetry)
	}
}
