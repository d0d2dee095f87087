package local

import (
	"fmt"
	"os"

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

// Mismatch refuses a trail that holds changes the store never made: the
// auditor would take the store's next changes for ones already written,
// and skip them.
func (p TrailPosition) Mismatch(trail string) error {
	if p.Trail <= p.Feed {
		return nil
	}
	return fmt.Errorf("%s holds records up to change %d, past the store's last change %d: it belongs to another store, "+
		"or the store was restored without it (payhook restore puts back both)", trail, p.Trail, p.Feed)
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

// openAuditTrail opens the trail, cutting off a line a crash tore, and
// checks that it belongs with the store.
func (s *Server) openAuditTrail(opts Options) error {
	f, err := openInDataDir(s.DataDir, AuditFile, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	s.onCleanup(f.Close)
	trail, state, err := audit.OpenFileTrail(f)
	if err != nil {
		return err
	}
	if state.Torn > 0 {
		opts.Log.Warn().Int64("bytes", state.Torn).Str("file", f.Name()).Msg("cut off the audit trail's torn last line, left by a crash mid-append; its record is written again")
	}
	position, err := positionAgainst(s.Store)
	if err != nil {
		return err
	}
	position.Trail = state.Last
	if err := position.Mismatch(f.Name()); err != nil {
		return err
	}
	if gap := position.Gap(f.Name()); gap != "" {
		opts.Log.Error().Str("file", f.Name()).Msg(gap)
	}
	s.audit, s.auditPath = trail, f.Name()
	return nil
}
