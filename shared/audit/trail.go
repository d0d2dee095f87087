package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"sync"
)

// FileTrail is a Sink that appends records to a file, one JSON line each
// (`{"audit":{...}}`, as LogSink writes them), so that each change is
// recorded exactly once across crashes. The consumer's checkpoint lives
// elsewhere (the store), so the two cannot commit together; instead the
// trail is written ahead of the checkpoint:
//
//   - Write only buffers; Sync appends the buffer and fsyncs, and the
//     pipeline calls it before the checkpoint commits. A checkpointed
//     record is therefore on disk.
//   - A crash can leave records past the checkpoint, and a torn last
//     line. The trail's owner cuts the file back to the checkpoint before
//     handing it over (TrailThrough says where), and the feed delivers
//     those changes again.
//   - A record at or before the last one this FileTrail took is a
//     delivery again of one it wrote itself (the auditor retries a record
//     whose alert failed after its record was written), and is skipped.
//     Nothing read from the file decides what is skipped: the file is cut
//     at the checkpoint, and the feed delivers only what follows it.
//   - When the file's length is no longer known (an append that failed
//     and could not be cut off), the trail stops (ErrTrailStopped).
//
// It needs sequence numbers that only grow, as the embedded store's do.
type FileTrail struct {
	mu   sync.Mutex
	file TrailFile
	// stopped is set, for good, once the file's length is not known.
	stopped error
	// size is the length of the file as synced; last is the sequence of
	// its last record, and buffered that of the last record in pending.
	size           int64
	last, buffered uint64
	pending        []byte
}

// TrailState is where a trail file stands.
type TrailState struct {
	// Last is the sequence of its last record (0: none).
	Last uint64
	// Size is its length in bytes, a torn line excluded; Torn is the
	// length of the torn line after it, if any.
	Size, Torn int64
}

// TrailFile is the file a FileTrail appends to: an *os.File.
type TrailFile interface {
	io.Writer
	Sync() error
	Truncate(size int64) error
	Name() string
}

// NewFileTrail takes over file, opened for appending, which state says
// holds records through state.Last in state.Size bytes and nothing after
// them: a trail cut at its consumer's checkpoint.
func NewFileTrail(file TrailFile, state TrailState) *FileTrail {
	return &FileTrail{file: file, size: state.Size, last: state.Last, buffered: state.Last}
}

// Write buffers r, unless this trail took it already.
func (t *FileTrail) Write(_ context.Context, r Record) error {
	seq, err := strconv.ParseUint(r.SequenceNumber, 10, 64)
	if err != nil {
		return fmt.Errorf("sequence number %q is not a number", r.SequenceNumber)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped != nil {
		return t.stopped
	}
	if seq <= t.buffered {
		return nil // delivered again after a failure past its record
	}
	pending, err := r.AppendJSON(append(t.pending, `{"audit":`...))
	if err != nil {
		return err // t.pending keeps what it held
	}
	t.pending = append(pending, "}\n"...)
	t.buffered = seq
	return nil
}

// ErrTrailStopped: the trail's file may no longer be what its records
// say, so it takes no more; whoever feeds it must stop.
var ErrTrailStopped = errors.New("the audit trail stopped")

// Sync appends what Write buffered and waits until it is on disk. When
// the append fails, what of it reached the file is cut off, and the
// records are written again when delivered again. When that cut fails,
// or the fsync does (what is on disk is then not known: a later fsync
// may succeed without having written it), the file's length is no longer
// known, and a later cut at the length it should have could take honest
// records with it: the trail stops, and this and every later Write and
// Sync fail with ErrTrailStopped.
func (t *FileTrail) Sync() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped != nil {
		return t.stopped
	}
	if len(t.pending) == 0 {
		return nil
	}
	_, err := t.file.Write(t.pending)
	if err != nil {
		t.pending, t.buffered = t.pending[:0], t.last
		err = fmt.Errorf("append to %s: %w", t.file.Name(), err)
		if cutErr := t.file.Truncate(t.size); cutErr != nil {
			t.stopped = fmt.Errorf("%w: %s may end in part of an append that failed (%w), which could not be cut off (%w)", ErrTrailStopped, t.file.Name(), err, cutErr)
			return t.stopped
		}
		return err
	}
	if err := t.file.Sync(); err != nil {
		t.stopped = fmt.Errorf("%w: %s could not be flushed to disk: %w", ErrTrailStopped, t.file.Name(), err)
		return t.stopped
	}
	t.size += int64(len(t.pending))
	t.pending, t.last = t.pending[:0], t.buffered
	return nil
}

// Last is the sequence of the trail's last synced record.
func (t *FileTrail) Last() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last
}

// trailChunk is how much of a trail's end is read at a time, looking for
// its last record.
const trailChunk = 64 << 10

// ReadTrailState finds, from the end of a trail, its last complete line
// that holds a record, and a torn line after the last newline.
func ReadTrailState(r io.ReaderAt) (TrailState, error) {
	size, err := sizeOf(r)
	if err != nil {
		return TrailState{}, err
	}
	end := int64(0) // just after the last newline
	for offset := size; offset > 0 && end == 0; {
		start := max(offset-trailChunk, 0)
		chunk, err := readAt(r, start, offset)
		if err != nil {
			return TrailState{}, err
		}
		if newline := bytes.LastIndexByte(chunk, '\n'); newline >= 0 {
			end = start + int64(newline) + 1
		}
		offset = start
	}
	state := TrailState{Size: end, Torn: size - end}
	last, _, err := lastRecordThrough(r, end, math.MaxUint64)
	state.Last = last
	return state, err
}

// TrailThrough finds the end of the trail's last record at or before
// sequence seq, looking back from the trail's last complete line: a trail
// cut there holds exactly the records through seq, and nothing after
// them (no later record, no line without one, no torn line).
func TrailThrough(r io.ReaderAt, seq uint64) (TrailState, error) {
	state, err := ReadTrailState(r)
	if err != nil {
		return state, err
	}
	last, through, err := lastRecordThrough(r, state.Size, seq)
	return TrailState{Last: last, Size: through}, err
}

// lastRecordThrough finds, before end, the last line holding a record at
// or before seq: its sequence, and the offset after its newline.
func lastRecordThrough(r io.ReaderAt, end int64, seq uint64) (last uint64, through int64, err error) {
	err = linesBackward(r, end, func(line []byte, next int64) bool {
		record, ok := recordOf(line)
		if !ok {
			return true
		}
		n, err := strconv.ParseUint(record.SequenceNumber, 10, 64)
		if err != nil || n > seq {
			return true
		}
		last, through = n, next
		return false
	})
	return last, through, err
}

// linesBackward visits the lines of r before end, last first, with the
// offset after each one's newline, while visit returns true. end follows
// a newline.
func linesBackward(r io.ReaderAt, end int64, visit func(line []byte, next int64) bool) error {
	var carry []byte // a line whose start is in the chunk before
	for offset := end; offset > 0; {
		start := max(offset-trailChunk, 0)
		chunk, err := readAt(r, start, offset)
		if err != nil {
			return err
		}
		lines := bytes.Split(append(chunk, carry...), []byte("\n"))
		// Where each line starts in the file; each is followed by a newline.
		starts := make([]int64, len(lines))
		at := start
		for i, line := range lines {
			starts[i] = at
			at += int64(len(line)) + 1
		}
		first := 0
		if start > 0 {
			first, carry = 1, lines[0]
			if len(carry) > maxTrailLine {
				return nil // no record is that long: nothing before it is read
			}
		}
		for i := len(lines) - 1; i >= first; i-- {
			if len(lines[i]) > 0 && !visit(lines[i], starts[i]+int64(len(lines[i]))+1) {
				return nil
			}
		}
		offset = start
	}
	return nil
}

func readAt(r io.ReaderAt, start, end int64) ([]byte, error) {
	b := make([]byte, end-start)
	n, err := r.ReadAt(b, start)
	if n == len(b) {
		return b, nil
	}
	return nil, err
}

func sizeOf(r io.ReaderAt) (int64, error) {
	if f, ok := r.(interface{ Stat() (os.FileInfo, error) }); ok {
		info, err := f.Stat()
		if err != nil {
			return 0, err
		}
		return info.Size(), nil
	}
	if s, ok := r.(interface{ Size() int64 }); ok {
		return s.Size(), nil
	}
	return 0, errors.New("cannot tell the trail's size")
}
