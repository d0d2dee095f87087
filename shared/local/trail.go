package local

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/store/embedded"
)

// TrailPosition is where the audit trail stands against its store.
type TrailPosition struct {
	// Trail is the sequence of the trail's last record; Checkpoint the
	// auditor's checkpoint in the store; Feed the store's last change.
	Trail      uint64 `json:"trail"`
	Checkpoint uint64 `json:"checkpoint"`
	Feed       uint64 `json:"feed"`
}

// positionAgainst reads the store's side of a trail's position.
func positionAgainst(st *embedded.Store) (TrailPosition, error) {
	checkpoint, err := st.FeedCheckpoint(AuditorConsumer)
	if err != nil {
		return TrailPosition{}, err
	}
	feed, err := st.FeedSequence()
	if err != nil {
		return TrailPosition{}, err
	}
	return TrailPosition{Checkpoint: checkpoint, Feed: feed}, nil
}

// Mismatch refuses a trail that holds changes the store never made: it
// belongs to another store, or outlived a restore of the store alone.
// serve does not start on it rather than cut records it cannot place.
func (p TrailPosition) Mismatch(trail string) error {
	if p.Trail <= p.Feed {
		return nil
	}
	return fmt.Errorf("%s holds records up to change %d, past the store's last change %d: it belongs to another store, "+
		"or the store was restored without it (payhook restore puts back both)", trail, p.Trail, p.Feed)
}

// MismatchIn is Mismatch for the data directory dir's trail, saying what
// to do about it.
func (p TrailPosition) MismatchIn(dir string) error {
	err := p.Mismatch(filepath.Join(dir, AuditFile))
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w; to serve this store anyway, payhook audit cut --data %s cuts the trail back to the auditor's checkpoint (change %d), "+
		"keeping what it cuts beside it in %s.cut-TIME", err, dir, p.Checkpoint, AuditFile)
}

// Gap says what the trail lacks before the auditor's checkpoint: records
// lost with the trail's end (a trail restored without its store, or cut
// short by hand), which nothing can write again.
func (p TrailPosition) Gap(trail string) string {
	if p.Trail >= p.Checkpoint {
		return ""
	}
	return fmt.Sprintf("%s ends at change %d but the auditor had recorded up to change %d: the records in between are missing from it; "+
		"payhook audit verify shows where the chains break", trail, p.Trail, p.Checkpoint)
}

// openAuditTrail checks that the trail belongs with the store, then cuts
// it back to the auditor's checkpoint: records a crash left past it, and
// a line it tore, are kept beside it and written again from the feed.
func (s *Server) openAuditTrail(opts Options) error {
	f, err := openInDataDir(s.DataDir, AuditFile, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	s.onCleanup(f.Close)
	state, err := audit.ReadTrailState(f)
	if err != nil {
		return err
	}
	position, err := positionAgainst(s.Store)
	if err != nil {
		return err
	}
	position.Trail = state.Last
	if err := position.MismatchIn(s.DataDir); err != nil {
		return err // nothing changed: the operator decides
	}
	cut, aside, err := cutTrail(s.DataDir, f, position.Checkpoint)
	if err != nil {
		return err
	}
	if aside != "" {
		opts.Log.Warn().Str("file", f.Name()).Str("kept_in", aside).Uint64("checkpoint", position.Checkpoint).
			Msg("cut the audit trail back to the auditor's checkpoint: what a crash left past it (records whose checkpoint never committed, a torn line) is kept beside it, and the feed delivers those changes again")
	}
	position.Trail = cut.Last
	if gap := position.Gap(f.Name()); gap != "" {
		opts.Log.Error().Str("file", f.Name()).Msg(gap)
	}
	s.audit, s.auditPath = audit.NewFileTrail(f, cut), f.Name()
	return nil
}

// cutTrail cuts the trail f, in dir, back to its last record at or before
// change through, the auditor's checkpoint: what a crash left past it
// (records whose checkpoint never committed, a line torn mid-append) is
// delivered again by the feed. What it cuts is kept beside the trail, in
// AuditFile.cut-TIME, never deleted. It returns where the trail then
// stands, and the file the tail went to ("" when nothing was cut).
func cutTrail(dir string, f *os.File, through uint64) (audit.TrailState, string, error) {
	cut, err := audit.TrailThrough(f, through)
	if err != nil {
		return cut, "", fmt.Errorf("read %s: %w", f.Name(), err)
	}
	info, err := f.Stat()
	if err != nil || info.Size() == cut.Size {
		return cut, "", err
	}
	name := AuditFile + ".cut-" + time.Now().UTC().Format("20060102T150405.000000000Z")
	tail, err := openInDataDir(dir, name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return cut, "", err
	}
	_, err = io.Copy(tail, io.NewSectionReader(f, cut.Size, info.Size()-cut.Size))
	if err == nil {
		err = tail.Sync()
	}
	if err = errors.Join(err, tail.Close()); err == nil {
		err = syncDir(dir) // the tail is kept before the trail loses it
	}
	if err == nil {
		err = f.Truncate(cut.Size)
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		return cut, "", fmt.Errorf("cut %s back to change %d: %w", f.Name(), through, err)
	}
	return cut, tail.Name(), nil
}

// CutReport says what payhook audit cut did.
type CutReport struct {
	// Checkpoint is the auditor's checkpoint the trail was cut back to,
	// Trail the sequence of its last record then.
	Checkpoint, Trail uint64
	// Aside is the file that holds what was cut ("" when nothing was),
	// Bytes its length.
	Aside string
	Bytes int64
}

// CutTrail cuts the data directory's trail back to the auditor's
// checkpoint, as serve does when it starts, whatever the trail holds past
// it: the way out of a trail that holds changes the store never made.
// What it cuts is kept beside the trail. The store is opened, and so
// locked, meanwhile: serve must not be running.
func CutTrail(dataDir string) (CutReport, error) {
	dir, err := CheckDataDir(dataDir)
	if err != nil {
		return CutReport{}, err
	}
	st, err := openExistingStore(dir)
	if err != nil {
		return CutReport{}, err
	}
	defer func() { _ = st.Close() }() // read, and locked while the trail is cut
	checkpoint, err := st.FeedCheckpoint(AuditorConsumer)
	if err != nil {
		return CutReport{}, err
	}
	f, err := openInDataDir(dir, AuditFile, os.O_RDWR, 0)
	if err != nil {
		return CutReport{}, err
	}
	before, err := f.Stat()
	if err != nil {
		return CutReport{}, errors.Join(err, f.Close())
	}
	cut, aside, err := cutTrail(dir, f, checkpoint)
	if err = errors.Join(err, f.Close()); err != nil {
		return CutReport{}, err
	}
	report := CutReport{Checkpoint: checkpoint, Trail: cut.Last, Aside: aside}
	if aside != "" {
		report.Bytes = before.Size() - cut.Size
	}
	return report, nil
}
