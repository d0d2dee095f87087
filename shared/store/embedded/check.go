package embedded

import (
	"context"
	"fmt"
	"io"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CheckReport is what Check found.
type CheckReport struct {
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
	// Readable are the parts read whole, each with its entries; Damage
	// says what is wrong with the others, and with the file's pages.
	Readable []string `json:"readable"`
	Damage   []string `json:"damage,omitempty"`
	// Pages says bbolt's check of every page ran: it cannot beside a
	// writer in another transaction, so not while serve runs, nor on
	// pages whose links are broken (Damage says so): it would follow a
	// loop for ever.
	Pages bool `json:"pages"`
}

// maxPageProblems bounds what a check quotes of bbolt's page check.
const maxPageProblems = 10

// Check reads the whole store: every part, key by key, every value
// decoded. With pages, it also runs bbolt's check of every page (each
// reachable once, none both used and free), which must not run while
// another transaction writes: only when this process alone uses the
// store and writes nothing meanwhile, as payhook check when serve is not
// running.
func (s *Store) Check(ctx context.Context, pages bool) (CheckReport, error) {
	deadline := time.Now().Add(24 * time.Hour)
	if d, ok := ctx.Deadline(); ok {
		deadline = d
	}
	survey, done := surveyOf(s.db, deadline, deadline)
	for _, p := range survey.panics {
		logPanic(&s.log, p, "reading "+s.db.Path())
	}
	if !done || !survey.finished {
		return CheckReport{}, fmt.Errorf("check %s: not finished in time", s.db.Path())
	}
	report := CheckReport{Path: s.db.Path(), Readable: survey.readable, Damage: survey.damage, Pages: pages && survey.linked}
	err := s.view(func(tx *bolt.Tx) error {
		report.Bytes = tx.Size()
		if !report.Pages {
			return nil
		}
		problems := 0
		for err := range tx.Check() {
			if problems++; problems <= maxPageProblems {
				report.Damage = append(report.Damage, "pages: "+brief(err))
			}
		}
		if problems > maxPageProblems {
			report.Damage = append(report.Damage, fmt.Sprintf("pages: %d problems more", problems-maxPageProblems))
		}
		return nil
	})
	return report, err
}

// Snapshot is the store as one read transaction sees it, unchanged
// however long it is read: what a backup copies.
type Snapshot struct{ tx *bolt.Tx }

// InSnapshot runs fn on a snapshot of the store. Writers go on meanwhile;
// one that needs the file to grow waits for fn to end.
func (s *Store) InSnapshot(fn func(Snapshot) error) error {
	return s.view(func(tx *bolt.Tx) error { return fn(Snapshot{tx}) })
}

// Bytes is the size of the snapshot's file.
func (s Snapshot) Bytes() int64 { return s.tx.Size() }

// FeedCheckpoint is consumer's checkpoint in the snapshot.
func (s Snapshot) FeedCheckpoint(consumer string) uint64 { return checkpointOf(s.tx, consumer) }

// FeedSequence is the snapshot's last change record's sequence.
func (s Snapshot) FeedSequence() uint64 { return s.tx.Bucket(changesBucket).Sequence() }

// WriteTo writes the snapshot as a store file, Bytes long.
func (s Snapshot) WriteTo(w io.Writer) (int64, error) { return s.tx.WriteTo(w) }
