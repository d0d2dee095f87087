package audit_test

import (
	"bytes"
	"context"
	"errors"
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

// openTrail opens the trail at path as its owner does: cut back to the
// consumer's checkpoint, through.
func openTrail(t *testing.T, path string, through uint64) (*audit.FileTrail, audit.TrailState, *os.File) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	state, err := audit.TrailThrough(f, through)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(state.Size); err != nil {
		t.Fatal(err)
	}
	return audit.NewFileTrail(f, state), state, f
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
	report, err := audit.Verify(bytes.NewReader(raw), audit.VerifyOptions{Complete: true, Contiguous: true})
	if err != nil {
		t.Fatal(err)
	}
	return report
}

// TestAFileTrailWritesEachRecordOnceAcrossRestarts: records appended
// past the checkpoint before a crash are cut when the trail is opened
// again, and written once more as the feed delivers them again.
func TestAFileTrailWritesEachRecordOnceAcrossRestarts(t *testing.T) {
	is := is.New(t)
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	trail, state, f := openTrail(t, path, 0)
	is.Equal(state, audit.TrailState{})
	writeRecords(t, trail, 1, 5)
	is.Equal(trail.Last(), uint64(5))
	is.NoErr(f.Close())

	trail, state, _ = openTrail(t, path, 2) // the feed's checkpoint stood at 2
	is.Equal(state.Last, uint64(2))
	writeRecords(t, trail, 3, 8)
	report := verifyOnce(t, path)
	is.Equal(report.Records, 8)
	is.Equal(len(report.Breaks), 0)
}

// TestARecordDeliveredAgainIsWrittenOnce: the auditor fails a record
// whose alert failed after its record was written, and the feed delivers
// it again; the trail took it already.
func TestARecordDeliveredAgainIsWrittenOnce(t *testing.T) {
	is := is.New(t)
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	trail, _, _ := openTrail(t, path, 0)
	writeRecords(t, trail, 1, 3)
	writeRecords(t, trail, 3, 5)
	report := verifyOnce(t, path)
	is.Equal(report.Records, 5)
	is.Equal(len(report.Breaks), 0)
}

// TestAFileTrailCutsATornLastLine: a crash mid-append leaves part of a
// line; the cut at the checkpoint takes it, and its record is written
// whole when delivered again.
func TestAFileTrailCutsATornLastLine(t *testing.T) {
	is := is.New(t)
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	trail, _, f := openTrail(t, path, 0)
	writeRecords(t, trail, 1, 4)
	is.NoErr(f.Close())
	raw, err := os.ReadFile(path)
	is.NoErr(err)
	lines := strings.SplitAfter(string(raw), "\n")
	whole := strings.Join(lines[:3], "")
	is.NoErr(os.WriteFile(path, []byte(whole+lines[3][:len(lines[3])/2]), 0o600))

	trail, state, _ := openTrail(t, path, 3)
	is.Equal(state.Last, uint64(3))
	is.Equal(state.Size, int64(len(whole)))
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
	trail, _, f := openTrail(t, path, 0)
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

	through, err := audit.TrailThrough(f, 400)
	is.NoErr(err)
	is.Equal(through, audit.TrailState{Last: 400, Size: state.Size - int64(len("not a record\n")+70<<10+1)})

	only := filepath.Join(t.TempDir(), "torn.jsonl")
	is.NoErr(os.WriteFile(only, []byte(`{"audit":{"seq`), 0o600))
	_, state, _ = openTrail(t, only, 10)
	is.Equal(state, audit.TrailState{})
	raw, err := os.ReadFile(only)
	is.NoErr(err)
	is.Equal(len(raw), 0)
}

// TestATrailCutAtACheckpointHoldsTheRecordsThroughIt: what a backup keeps
// of a trail that runs ahead of the store's snapshot.
func TestATrailCutAtACheckpointHoldsTheRecordsThroughIt(t *testing.T) {
	is := is.New(t)
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	trail, _, f := openTrail(t, path, 0)
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

// failingFile fails its appends, half written, and its truncations, as
// a full or failing disk does, when told to.
type failingFile struct {
	*os.File
	failWrite, failTruncate bool
}

func (f *failingFile) Write(p []byte) (int, error) {
	if f.failWrite {
		n, _ := f.File.Write(p[:len(p)/2])
		return n, errors.New("no space left on device")
	}
	return f.File.Write(p)
}

func (f *failingFile) Truncate(size int64) error {
	if f.failTruncate {
		return errors.New("input/output error")
	}
	return f.File.Truncate(size)
}

// TestATrailThatCannotCutAFailedAppendStops: an append that fails half
// written, and whose half cannot be cut off, leaves the file longer than
// the trail knows. Going on, a later failure's cut at the length the
// trail knows would take the end of records it had synced: the trail
// stops instead, and every record a Sync reported stays whole.
func TestATrailThatCannotCutAFailedAppendStops(t *testing.T) {
	is := is.New(t)
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	is.NoErr(err)
	defer f.Close()
	file := &failingFile{File: f}
	trail := audit.NewFileTrail(file, audit.TrailState{})
	synced := 0
	sync := func(from, to int) error {
		for n := from; n <= to; n++ {
			if err := trail.Write(context.Background(), creation(n)); err != nil {
				return err
			}
		}
		err := trail.Sync()
		if err == nil {
			synced = to
		}
		return err
	}
	is.NoErr(sync(1, 3))

	file.failWrite, file.failTruncate = true, true
	err = sync(4, 5)
	is.True(errors.Is(err, audit.ErrTrailStopped))
	file.failWrite, file.failTruncate = false, false
	is.True(errors.Is(sync(4, 5), audit.ErrTrailStopped)) // delivered again
	file.failWrite = true
	is.True(sync(6, 6) != nil)

	raw, err := os.ReadFile(path)
	is.NoErr(err)
	whole := bytes.SplitAfter(raw, []byte("\n"))
	for n := 1; n <= synced; n++ {
		is.True(len(whole) >= n && bytes.HasSuffix(whole[n-1], []byte("\n")))
		is.True(bytes.Contains(whole[n-1], fmt.Appendf(nil, `"sequence_number":"%021d"`, n)))
	}
}
