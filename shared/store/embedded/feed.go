package embedded

import (
	"context"
	"encoding/binary"
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
	BatchSize int
	// Retry is how a failing record is retried before it goes to the
	// dead-letter queue; zero fields take stream.DefaultRetry's.
	Retry stream.Retry
	// Filter, when set, passes only the records the consumer wants, as an
	// event source mapping's filter criteria do; the rest are skipped. It
	// sees a record's name, keys and new image, not yet its old image.
	Filter func(events.DynamoDBEventRecord) bool
}

// Consume delivers the change feed to handler in order, in batches, at
// least once, resuming from the consumer's checkpoint, until ctx ends.
// Delivery is stream.Deliver's: on a partial failure the checkpoint moves
// past the records done; a record given up on goes to the dead-letter
// queue, and the checkpoint moves past it in the same commit. When ctx
// ends, a batch already handed to the handler is finished and
// checkpointed first.
func (s *Store) Consume(ctx context.Context, consumer string, handler stream.Handler, opts ConsumeOptions) error {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 100
	}
	var (
		batch batch
		// through is where this batch's checkpoint stands: each commit
		// costs an fsync under the single writer, so one per batch.
		through uint64
	)
	progress := stream.Progress{
		Done: func(last events.DynamoDBEventRecord) error {
			through = seqOf(last)
			if through == seqOf(batch.records[len(batch.records)-1]) {
				through = batch.last // past the records the filter skipped, too
			}
			return s.checkpoint(consumer, through)
		},
		GiveUp: func(r events.DynamoDBEventRecord, attempts int) error {
			through = seqOf(r)
			return s.deadLetter(consumer, r, attempts)
		},
	}
	for ctx.Err() == nil {
		woken := s.feed.wait()
		var err error
		if batch, err = s.readBatch(consumer, opts); err != nil {
			return err
		}
		through = 0
		if len(batch.records) > 0 {
			if err := stream.Deliver(ctx, handler, batch.records, opts.Retry, progress); err != nil {
				return err
			}
			if ctx.Err() != nil {
				return nil // stopped mid-batch: the checkpoint holds what was done
			}
		}
		if batch.last > 0 {
			if through < batch.last {
				// Nothing wanted, or the last record given up on.
				if err := s.checkpoint(consumer, batch.last); err != nil {
					return err
				}
			}
			continue
		}
		select {
		case <-ctx.Done():
		case <-woken:
		case <-time.After(time.Second):
		}
	}
	return nil
}

type batch struct {
	records []events.DynamoDBEventRecord
	// last is the sequence of the last record read, filtered out or not.
	last uint64
}

func (s *Store) readBatch(consumer string, opts ConsumeOptions) (batch, error) {
	var b batch
	err := s.view(func(tx *bolt.Tx) error {
		after := checkpointOf(tx, consumer)
		c := tx.Bucket(changesBucket).Cursor()
		var start [8]byte
		binary.BigEndian.PutUint64(start[:], after+1)
		for k, v := c.Seek(start[:]); k != nil && len(b.records) < opts.BatchSize; k, v = c.Next() {
			seq := binary.BigEndian.Uint64(k)
			record, wanted, err := readChange(&s.items, seq, v, opts.Filter)
			if err != nil {
				return damagedValue(changesBucket, fmt.Errorf("change %d: %w", seq, err))
			}
			b.last = seq
			if wanted {
				b.records = append(b.records, record)
			}
		}
		return nil
	})
	return b, err
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

func (s *Store) checkpoint(consumer string, seq uint64) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], seq)
	return s.update(OpFeedCheckpoint, func(tx *bolt.Tx) error {
		if err := tx.Bucket(checkpointsBucket).Put([]byte(consumer), v[:]); err != nil {
			return err
		}
		return s.forget(tx)
	})
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
