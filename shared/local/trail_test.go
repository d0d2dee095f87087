package local_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/store"
)

// TestServeRefusesATrailFromAnotherStore: a trail that holds changes the
// store never made (an old store put back without its trail) is refused,
// left as it was, torn line and all, and the error names the way out:
// payhook audit cut, which keeps what it cuts beside the trail.
func TestServeRefusesATrailFromAnotherStore(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	is.NoErr(os.MkdirAll(dir, 0o700))
	trail := `{"audit":{"pk":"PAYMENT#stripe#pi_1","sk":"STATE","sequence_number":"000000000000000000042","record_sha256":"x"}}` + "\n" + `{"audit":{"pk":"PAY`
	path := filepath.Join(dir, local.AuditFile)
	is.NoErr(os.WriteFile(path, []byte(trail), 0o600))
	_, err := local.Start(options(t, dir, nil))
	is.True(err != nil)
	is.True(strings.Contains(err.Error(), "holds records up to change 42, past the store's last change 0"))
	is.True(strings.Contains(err.Error(), "payhook audit cut --data "))
	raw, err := os.ReadFile(path)
	is.NoErr(err)
	is.Equal(string(raw), trail) // not touched before the operator decides

	report, err := local.CutTrail(dir)
	is.NoErr(err)
	is.Equal(report.Checkpoint, uint64(0))
	is.Equal(report.Bytes, int64(len(trail)))
	kept, err := os.ReadFile(report.Aside)
	is.NoErr(err)
	is.Equal(string(kept), trail)
	s := start(t, options(t, dir, nil))
	is.NoErr(s.Shutdown(context.Background()))
}

// TestServeCutsATrailBackToItsCheckpoint: a trail ending in a line that
// parses as a record past the auditor's checkpoint (forged, or garbled
// by a fault) must not make serve skip the records of the changes after
// the checkpoint. serve cuts the trail back to the checkpoint, keeps the
// line beside it, and the trail then holds every change once.
func TestServeCutsATrailBackToItsCheckpoint(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	s := start(t, options(t, dir, nil))
	post(t, s, "stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: "evt_first", PaymentID: "pi_first"})
	waitForAuditor(t, s)
	is.NoErr(s.Shutdown(ctx))

	// Changes the auditor has not recorded yet, as when serve dies first;
	// then a line that claims the last of them.
	st, err := local.OpenStore(dir)
	is.NoErr(err)
	for _, id := range []string{"evt_unaudited_1", "evt_unaudited_2"} {
		_, err := st.PutWebhook(ctx, store.Webhook{Provider: "stripe", EventID: id, EventType: "charge.succeeded", Body: []byte(`{}`),
			Status: store.StatusReceived, ReceivedAt: time.Now().UTC(), ExpiresAt: time.Now().Add(time.Hour)})
		is.NoErr(err)
	}
	feed, err := st.FeedSequence()
	is.NoErr(err)
	is.NoErr(st.Close())
	forged := fmt.Sprintf(`{"audit":{"pk":"WEBHOOK#stripe#evt_x","sk":"WEBHOOK","sequence_number":"%021d","record_sha256":"x"}}`+"\n", feed)
	path := filepath.Join(dir, local.AuditFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	is.NoErr(err)
	_, err = f.WriteString(forged)
	is.NoErr(err)
	is.NoErr(f.Close())

	s = start(t, options(t, dir, nil))
	// The processor's changes to the two webhooks come after the ones the
	// auditor replays first: wait for them, then for their records.
	wait.Until(t, time.Minute, "the unaudited webhooks to be processed", func() bool {
		for _, id := range []string{"evt_unaudited_1", "evt_unaudited_2"} {
			if w, err := s.Store.GetWebhook(ctx, "stripe", id); err != nil || w.Status == store.StatusReceived {
				return false
			}
		}
		return true
	})
	waitForAuditor(t, s)
	is.NoErr(s.Shutdown(ctx))
	position, err := local.AuditPosition(ctx, dir)
	is.NoErr(err)
	is.True(position.Checkpoint > feed)
	raw, err := os.ReadFile(path)
	is.NoErr(err)
	report, err := audit.Verify(bytes.NewReader(raw), audit.VerifyOptions{Complete: true, Contiguous: true})
	is.NoErr(err)
	is.Equal(report.Breaks, nil) // from change 1, each once, numbered by one
	state, err := audit.ReadTrailState(bytes.NewReader(raw))
	is.NoErr(err)
	is.Equal(state.Last, position.Checkpoint) // to the last
	aside, err := filepath.Glob(path + ".cut-*")
	is.NoErr(err)
	is.Equal(len(aside), 1)
	kept, err := os.ReadFile(aside[0])
	is.NoErr(err)
	is.Equal(string(kept), forged)
}

// waitForAuditor waits until the auditor has recorded every change.
func waitForAuditor(t *testing.T, s *local.Server) {
	t.Helper()
	wait.Until(t, time.Minute, "the auditor to record every change", func() bool {
		feed, err := s.Store.FeedSequence()
		if err != nil {
			t.Fatal(err)
		}
		checkpoint, err := s.Store.FeedCheckpoint(local.AuditorConsumer)
		if err != nil {
			t.Fatal(err)
		}
		return feed > 0 && checkpoint == feed
	})
}
