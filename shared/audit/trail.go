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
// trail is written ahead of the checkpoint and knows where it stands:
//
//   - Write only buffers; Sync appends the buffer and fsyncs, and the
//     pipeline calls it before the checkpoint commits. A checkpointed
//     record is therefore on disk.
//   - A record at or before the trail's last sequence is already in it
//     (appended before a crash stopped its checkpoint) and is skipped, so
//     a record delivered again is not written again.
//   - On open, a torn last line (a crash or power loss mid-append) is cut
//     off; its record comes again from the feed, which only moves past
//     what is synced.
//
// It needs sequence numbers that only grow, as the embedded store's do.
type FileTrail struct {
	mu   sync.Mutex
	file *os.File
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

// OpenFileTrail takes over file, opened for reading and appending, and
// cuts off a torn last line. It returns where the trail stands, Torn
// saying what was cut.
func OpenFileTrail(file *os.File) (*FileTrail, TrailState, error) {
	state, err := ReadTrailState(file)
	if err != nil {
		return nil, state, err
	}
	if state.Torn > 0 {
		if err := file.Truncate(state.Size); err != nil {
			return nil, state, fmt.Errorf("cut the torn last line of %s: %w", file.Name(), err)
		}
		if err := file.Sync(); err != nil {
			return nil, state, err
		}
	}
	return &FileTrail{file: file, size: state.Size, last: state.Last, buffered: state.Last}, state, nil
}

// Write buffers r unless the trail already holds it.
func (t *FileTrail) Write(_ context.Context, r Record) error {
	seq, err := strconv.ParseUint(r.SequenceNumber, 10, 64)
	if err != nil {
		return fmt.Errorf("sequence number %q is not a number", r.SequenceNumber)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if seq <= t.buffered {
		return nil // in the trail already, from before a crash
	}
	pending, err := r.AppendJSON(append(t.pending, `{"audit":`...))
	if err != nil {
		return err // t.pending keeps what it held
	}
	t.pending = append(pending, "}\n"...)
	t.buffered = seq
	return nil
}

// Sync appends what Write buffered and waits until it is on disk. On a
// failure nothing of it stays in the file, and the records are written
// again when delivered again.
func (t *FileTrail) Sync() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.pending) == 0 {
		return nil
	}
	_, err := t.file.Write(t.pending)
	if err == nil {
		err = t.file.Sync()
	}
	if err != nil {
		t.pending, t.buffered = t.pending[:0], t.last
		return errors.Join(fmt.Errorf("append to %s: %w", t.file.Name(), err), t.file.Truncate(t.size))
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
// cut there holds exactly the records through seq.
func TrailThrough(r io.ReaderAt, seq uint64) (TrailState, error) {
	state, err := ReadTrailState(r)
	if err != nil || state.Last <= seq {
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
