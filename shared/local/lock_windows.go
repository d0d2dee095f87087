//go:build windows

package local

import (
	"errors"
	"math"
	"os"
	"time"

	"golang.org/x/sys/windows"

	"github.com/payhook/payhook/shared/store"
)

// lockExclusive takes the lock bbolt takes on its store (LockFileEx on
// the byte at offset -1, exclusive), waiting up to timeout for a holder
// to let go; closing f releases it.
func lockExclusive(f *os.File, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0,
			&windows.Overlapped{Offset: math.MaxUint32, OffsetHigh: math.MaxUint32})
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, windows.ERROR_LOCK_VIOLATION):
			return err
		case time.Now().After(deadline):
			return store.ErrLocked
		}
		time.Sleep(lockRetry)
	}
}
