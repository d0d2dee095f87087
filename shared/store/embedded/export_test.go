package embedded

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// ChangeRecords counts the change records the feed holds: what its
// consumers have not all read yet (or everything, with no consumers
// named).
func (s *Store) ChangeRecords() (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(changesBucket).Stats().KeyN
		return nil
	})
	return n, err
}

// SetReportWithinForTest bounds the walk a damage report makes, until the
// test ends.
func SetReportWithinForTest(t interface{ Cleanup(func()) }, d time.Duration) {
	was := reportWithin
	reportWithin = d
	t.Cleanup(func() { reportWithin = was })
}
