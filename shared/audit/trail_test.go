package audit_test

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

	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/store"
)

// creation is the audit record of payment n's creation, change n.
func creation(n int) audit.Record {
	item := store.PaymentItem(payment.State{Provider: "stripe", PaymentID: fmt.Sprintf("pi_%d", n), Status: payment.StatusSucceeded, Version: 1}, time.Unix(1795780800, 0))
	return audit.Build(record("INSERT", nil, item, fmt.Sprintf("%021d", n)))
}

func openTrail(t *testing.T, path string) (*audit.FileTrail, audit.TrailState, *os.File) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	trail, state, err := audit.OpenFileTrail(f)
	if err != nil {
		t.Fatal(err)
	}
	return trail, state, f
}

func writeRecords(t *testing.T, trail *audit.FileTrail, from, to int) {
	t.Helper()
	for n := from; n <= to; n++ {
		if err := trail.Write(context.Background(), creation(n)); err != nil {
			t.Fatal(err)
		}
	}
	if err := trail.Sync(); err != nil {
		t.Fatal(err)
	}
}

func verifyOnce(t *testing.T, path string) audit.Report {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	report, err := audit.Verify(bytes.NewReader(raw), audit.VerifyOptions{Complete: true})
	if err != nil {
		t.Fatal(err)
	}
	return report
}

// TestAFileTrailWritesEachRecordOnceAcrossRestarts: records delivered
// again after a restart (their checkpoint lost) are not written again.
func TestAFileTrailWritesEachRecordOnceAcrossRestarts(t *testing.T) {
	is := is.New(t)
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	trail, state, f := openTrail(t, path)
	is.Equal(state, audit.TrailState{})
	writeRecords(t, trail, 1, 5)
	is.Equal(trail.Last(), uint64(5))
	is.NoErr(f.Close())

	trail, state, _ = openTrail(t, path)
	is.Equal(state.Last, uint64(5))
	writeRecords(t, trail, 3, 8) // the feed's checkpoint stood at 2
	report := verifyOnce(t, path)
	is.Equal(report.Records, 8)
	is.Equal(len(report.Breaks), 0)
}

// TestAFileTrailCutsATornLastLine: a crash mid-append leaves part of a
// line; opening the trail cuts it, and its record is written whole when
// delivered again.
func TestAFileTrailCutsATornLastLine(t *testing.T) {
	is := is.New(t)
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	trail, _, f := openTrail(t, path)
	writeRecords(t, trail, 1, 4)
	is.NoErr(f.Close())
	raw, err := os.ReadFile(path)
	is.NoErr(err)
	lines := strings.SplitAfter(string(raw), "\n")
	whole := strings.Join(lines[:3], "")
	is.NoErr(os.WriteFile(path, []byte(whole+lines[3][:len(lines[3])/2]), 0o600))

	trail, state, _ := openTrail(t, path)
	is.Equal(state.Last, uint64(3))
	is.Equal(state.Size, int64(len(whole)))
	is.Equal(state.Torn, int64(len(lines[3])/2))
	writeRecords(t, trail, 4, 5)
	report := verifyOnce(t, path)
	is.Equal(report.Records, 5)
	is.Equal(len(report.Breaks), 0)
}

// TestTheStateOfALongTrailIsReadFromItsEnd: a trail longer than what is
// read at a time, ending in lines that hold no record and a torn one.
func TestTheStateOfALongTrailIsReadFromItsEnd(t *testing.T) {
	is := is.New(t)
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	trail, _, f := openTrail(t, path)
	writeRecords(t, trail, 1, 400)
	_, err := f.WriteString("not a record\n" + strings.Repeat("x", 70<<10) + "\n{\"audit\":{\"sequence")
	is.NoErr(err)
	info, err := f.Stat()
	is.NoErr(err)
	state, err := audit.ReadTrailState(f)
	is.NoErr(err)
	is.Equal(state.Last, uint64(400))
	is.Equal(state.Torn, int64(len(`{"audit":{"sequence`)))
	is.Equal(state.Size, info.Size()-state.Torn)

	only := filepath.Join(t.TempDir(), "torn.jsonl")
	is.NoErr(os.WriteFile(only, []byte(`{"audit":{"seq`), 0o600))
	_, state, _ = openTrail(t, only)
	is.Equal(state, audit.TrailState{Torn: int64(len(`{"audit":{"seq`))})
	raw, err := os.ReadFile(only)
	is.NoErr(err)
	is.Equal(len(raw), 0)
}

// TestATrailCutAtACheckpointHoldsTheRecordsThroughIt: what a backup keeps
// of a trail that runs ahead of the store's snapshot.
func TestATrailCutAtACheckpointHoldsTheRecordsThroughIt(t *testing.T) {
	is := is.New(t)
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	trail, _, f := openTrail(t, path)
	writeRecords(t, trail, 1, 400)
	for _, through := range []uint64{0, 1, 250, 400, 401} {
		state, err := audit.TrailThrough(f, through)
		is.NoErr(err)
		want := min(through, 400)
		is.Equal(state.Last, want)
		raw := make([]byte, state.Size)
		_, err = f.ReadAt(raw, 0)
		is.NoErr(err)
		is.Equal(strings.Count(string(raw), "\n"), int(want))
		lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
		is.True(strings.Contains(lines[len(lines)-1], fmt.Sprintf(`"sequence_number":"%021d"`, want)) || want == 0)
	}
}
