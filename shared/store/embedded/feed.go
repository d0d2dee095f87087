package embedded

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	bolt "go.etcd.io/bbolt"

	"github.com/payhook/payhook/shared/stream"
)

var checkpointsBucket = []byte("checkpoints")

// feedSignal wakes consumers when a commit appends to the feed.
type feedSignal struct {
	mu sync.Mutex
	ch chan struct{}
}

func (f *feedSignal) wait() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ch == nil {
		f.ch = make(chan struct{})
	}
	return f.ch
}

func (f *feedSignal) notify() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ch != nil {
		close(f.ch)
		f.ch = nil
	}
}

// ConsumeOptions mirror an event source mapping's settings.
type ConsumeOptions struct {
	// BatchSize is the most records handed to the handler at once.
	BatchSize int
	// Retry is how a failing record is retried before it goes to the
	// dead-letter queue; zero fields take stream.DefaultRetry's.
	Retry stream.Retry
	// Filter, when set, passes only the records the consumer wants, as an
	// event source mapping's filter criteria do; the rest are skipped. It
	// sees a record's name, keys and new image, not yet its old image.
	Filter func(events.DynamoDBEventRecord) bool
}

// Subscriber is one consumer of the change feed: its name, which is its
// checkpoint's, its handler and how it reads.
type Subscriber struct {
	Name    string
	Handler stream.Handler
	Options ConsumeOptions
}

// Consume delivers the change feed to each subscriber in order, in
// batches, at least once, each resuming from its own checkpoint, until ctx
// ends. The feed is read in passes of up to perPass records (100 when
// zero): each record is read and decoded once, and handed to every
// subscriber that has not passed it and wants it, each subscriber on its
// own goroutine. Delivery is stream.Deliver's, per subscriber: on a
// partial failure the records done count as done and the rest are
// retried; a record given up on goes to the dead-letter queue, and that
// subscriber's checkpoint moves past it in the same commit. Once every
// subscriber has finished the pass, their checkpoints move in one commit,
// past the records their filters skipped too. A subscriber still retrying
// holds the next pass back for all. When ctx ends, batches already handed
// to handlers are finished and checkpointed first. A stored image's bytes
// reach the handlers beside the records (stream.StoredImagesFrom).
func (s *Store) Consume(ctx context.Context, perPass int, subscribers ...Subscriber) error {
	if perPass <= 0 {
		perPass = 100
	}
	for ctx.Err() == nil {
		woken := s.feed.wait()
		p, err := s.readPass(subscribers, perPass)
		if err != nil {
			return err
		}
		if p.last == 0 {
			select {
			case <-ctx.Done():
			case <-woken:
			case <-time.After(time.Second):
			}
			continue
		}
		through := make([]uint64, len(subscribers))
		errs := make([]error, len(subscribers))
		passCtx := stream.WithStoredImages(ctx, p.images)
		var wg sync.WaitGroup
		for i, sub := range subscribers {
			wg.Go(func() { through[i], errs[i] = s.deliverPass(passCtx, sub, p.records[i], p.last) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		if err := s.checkpoints(subscribers, p.from, through); err != nil {
			return err
		}
	}
	return nil
}

// deliverPass hands sub the records of a pass that it wants, in batches,
// and returns where its checkpoint may move: past the whole pass (to last)
// once every record is done or given up on, else past the last done.
func (s *Store) deliverPass(ctx context.Context, sub Subscriber, records []events.DynamoDBEventRecord, last uint64) (uint64, error) {
	size := sub.Options.BatchSize
	if size <= 0 {
		size = 100
	}
	var through uint64
	progress := stream.Progress{
		Done: func(done events.DynamoDBEventRecord) error {
			through = seqOf(done)
			return nil
		},
		GiveUp: func(r events.DynamoDBEventRecord, attempts int) error {
			through = seqOf(r)
			return s.deadLetter(sub.Name, r, attempts)
		},
	}
	for len(records) > 0 {
		// Even batches: 30 records are two of 15, not 25 and 5.
		n := (len(records) + size - 1) / size
		batch := records[:(len(records)+n-1)/n]
		records = records[len(batch):]
		if err := stream.Deliver(ctx, sub.Handler, batch, sub.Options.Retry, progress); err != nil {
			return through, err
		}
		if ctx.Err() != nil {
			return through, nil // stopped mid-pass: the checkpoint holds what was done
		}
	}
	return last, nil
}

// checkpoints moves every subscriber's checkpoint that moved, in one
// commit, and forgets what all have read.
func (s *Store) checkpoints(subscribers []Subscriber, from []uint64, through []uint64) error {
	moved := false
	for i := range subscribers {
		moved = moved || through[i] > from[i]
	}
	if !moved {
		return nil
	}
	return s.update(OpFeedCheckpoint, func(tx *bolt.Tx) error {
		checkpoints := tx.Bucket(checkpointsBucket)
		for i, sub := range subscribers {
			// A record given up on has moved the checkpoint already.
			if through[i] <= max(from[i], checkpointOf(tx, sub.Name)) {
				continue
			}
			var v [8]byte
			binary.BigEndian.PutUint64(v[:], through[i])
			if err := checkpoints.Put([]byte(sub.Name), v[:]); err != nil {
				return err
			}
		}
		return s.forget(tx)
	})
}

// pass is one read of the feed for every subscriber.
type pass struct {
	// from is each subscriber's checkpoint when the pass was read, and
	// records the records it wants after it.
	from    []uint64
	records [][]events.DynamoDBEventRecord
	// last is the sequence of the last record read, wanted or not: zero
	// when there was none.
	last uint64
	// images are the stored images' bytes, by sequence number.
	images stream.StoredImages
}

// readPass reads up to perPass records after the lowest of the
// subscribers' checkpoints, each decoded once: its old image only when a
// subscriber wants the record.
func (s *Store) readPass(subscribers []Subscriber, perPass int) (pass, error) {
	p := pass{from: make([]uint64, len(subscribers)), records: make([][]events.DynamoDBEventRecord, len(subscribers)), images: stream.StoredImages{}}
	err := s.view(func(tx *bolt.Tx) error {
		lowest := uint64(math.MaxUint64)
		for i, sub := range subscribers {
			p.from[i] = checkpointOf(tx, sub.Name)
			lowest = min(lowest, p.from[i])
		}
		wanted := func(r events.DynamoDBEventRecord) bool {
			seq := seqOf(r)
			for i, sub := range subscribers {
				if seq > p.from[i] && (sub.Options.Filter == nil || sub.Options.Filter(r)) {
					return true
				}
			}
			return false
		}
		c := tx.Bucket(changesBucket).Cursor()
		var start [8]byte
		binary.BigEndian.PutUint64(start[:], lowest+1)
		read := 0
		for k, v := c.Seek(start[:]); k != nil && read < perPass; k, v = c.Next() {
			seq := binary.BigEndian.Uint64(k)
			record, images, want, err := readChange(&s.items, seq, v, wanted)
			if err != nil {
				return damagedValue(changesBucket, fmt.Errorf("change %d: %w", seq, err))
			}
			p.last, read = seq, read+1
			if !want {
				continue
			}
			if images.Old != nil || images.New != nil {
				p.images[record.Change.SequenceNumber] = images
			}
			for i, sub := range subscribers {
				if seq > p.from[i] && (sub.Options.Filter == nil || sub.Options.Filter(record)) {
					p.records[i] = append(p.records[i], record)
				}
			}
		}
		return nil
	})
	return p, err
}

func checkpointOf(tx *bolt.Tx, consumer string) uint64 {
	if v := tx.Bucket(checkpointsBucket).Get([]byte(consumer)); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// FeedCheckpoint is the sequence of the last change record consumer has
// checkpointed past: 0 before its first checkpoint.
func (s *Store) FeedCheckpoint(consumer string) (uint64, error) {
	var seq uint64
	err := s.view(func(tx *bolt.Tx) error {
		seq = checkpointOf(tx, consumer)
		return nil
	})
	return seq, err
}

// FeedSequence is the sequence of the last change record written: the
// feed numbers records from 1 and never reuses a number.
func (s *Store) FeedSequence() (uint64, error) {
	var seq uint64
	err := s.view(func(tx *bolt.Tx) error {
		seq = tx.Bucket(changesBucket).Sequence()
		return nil
	})
	return seq, err
}

// maxForgetPerCommit bounds the records one checkpoint deletes, so that a
// feed left long unconsumed is trimmed over many commits, none slow.
const maxForgetPerCommit = 10000

// forget deletes the change records every consumer has checkpointed past.
func (s *Store) forget(tx *bolt.Tx) error {
	if len(s.consumers) == 0 {
		return nil
	}
	lowest := checkpointOf(tx, s.consumers[0])
	for _, c := range s.consumers[1:] {
		lowest = min(lowest, checkpointOf(tx, c))
	}
	// The keys first, then the deletes: a cursor's First after each
	// Delete walks every leaf the deletes emptied so far, which made the
	// deletes quadratic in the records forgotten (docs/benchmarks.md).
	changes := tx.Bucket(changesBucket)
	var read [][]byte
	c := changes.Cursor()
	for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= lowest && len(read) < maxForgetPerCommit; k, _ = c.Next() {
		read = append(read, k) // valid for the whole transaction
	}
	for _, k := range read {
		if err := changes.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func seqOf(r events.DynamoDBEventRecord) uint64 {
	n, _ := strconv.ParseUint(r.Change.SequenceNumber, 10, 64)
	return n
}

// FeedLag says how far consumer is behind the change feed: the records
// after its checkpoint, and the age at now of the oldest of them (zero when
// it is caught up). Records its filter skips count too, until it reads past
// them.
func (s *Store) FeedLag(consumer string, now time.Time) (records int, oldest time.Duration, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		changes := tx.Bucket(changesBucket)
		after := checkpointOf(tx, consumer)
		newest := changes.Sequence()
		if newest <= after {
			return nil
		}
		records = int(min(newest-after, math.MaxInt32)) // bounded: a gauge needs no more
		var start [8]byte
		binary.BigEndian.PutUint64(start[:], after+1)
		k, v := changes.Cursor().Seek(start[:])
		if k == nil {
			return nil
		}
		created, err := createdAt(v)
		if err != nil {
			return damagedValue(changesBucket, fmt.Errorf("change %x: %w", k, err))
		}
		oldest = max(now.Sub(created), 0)
		return nil
	})
	return records, oldest, err
}
