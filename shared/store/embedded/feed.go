package embedded

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	bolt "go.etcd.io/bbolt"

	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/stream"
)

var (
	checkpointsBucket = []byte("checkpoints")
	deadLettersBucket = []byte("dead_letters")
)

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

// Handler is a stream consumer: the very signature of a Lambda function
// that reads DynamoDB Streams with ReportBatchItemFailures.
type Handler func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// ConsumeOptions mirror an event source mapping's settings.
type ConsumeOptions struct {
	BatchSize int
	// MaxAttempts for one record before it goes to the dead-letter queue.
	MaxAttempts int
	// Backoff before the first retry, doubled each retry, capped at 5 s.
	Backoff time.Duration
	// Filter, when set, passes only the records the consumer wants, as an
	// event source mapping's filter criteria do; the rest are skipped.
	Filter func(events.DynamoDBEventRecord) bool
}

func (o ConsumeOptions) withDefaults() ConsumeOptions {
	if o.BatchSize <= 0 {
		o.BatchSize = 100
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.Backoff <= 0 {
		o.Backoff = 100 * time.Millisecond
	}
	return o
}

// Consume delivers the change feed to handler in order, in batches, at
// least once, resuming from the consumer's checkpoint, until ctx ends.
// As with Lambda's ReportBatchItemFailures, the records before the first
// failed one count as done and the batch is retried from it; a record that
// still fails after MaxAttempts goes to the dead-letter queue, and the
// consumer moves on. When ctx ends, a batch already handed to the handler
// is finished (its context is not cancelled) and checkpointed first.
func (s *Store) Consume(ctx context.Context, consumer string, handler Handler, opts ConsumeOptions) error {
	opts = opts.withDefaults()
	handlerCtx := context.WithoutCancel(ctx)
	attempts, backoff := 0, opts.Backoff
	for {
		woken := s.feed.wait()
		batch, err := s.readBatch(consumer, opts)
		if err != nil {
			return err
		}
		if len(batch.records) == 0 {
			if batch.last > 0 {
				if err := s.checkpoint(consumer, batch.last); err != nil {
					return err
				}
				continue
			}
			select {
			case <-ctx.Done():
				return nil
			case <-woken:
			case <-time.After(time.Second):
			}
			continue
		}
		if ctx.Err() != nil {
			return nil
		}
		resp, err := handler(handlerCtx, events.DynamoDBEvent{Records: batch.records})
		failedAt := stream.FirstFailure(batch.records, resp, err)
		if failedAt < 0 {
			attempts, backoff = 0, opts.Backoff
			if err := s.checkpoint(consumer, batch.last); err != nil {
				return err
			}
			continue
		}
		if failedAt > 0 {
			// Progress: the failed record is now first; it gets fresh attempts.
			attempts = 0
			if err := s.checkpoint(consumer, seqOf(batch.records[failedAt-1])); err != nil {
				return err
			}
		}
		attempts++
		if attempts >= opts.MaxAttempts {
			poisoned := batch.records[failedAt]
			if err := s.deadLetter(consumer, poisoned, attempts); err != nil {
				return err
			}
			attempts, backoff = 0, opts.Backoff
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

type batch struct {
	records []events.DynamoDBEventRecord
	// last is the sequence of the last record read, filtered out or not.
	last uint64
}

func (s *Store) readBatch(consumer string, opts ConsumeOptions) (batch, error) {
	var b batch
	err := s.db.View(func(tx *bolt.Tx) error {
		after := checkpointOf(tx, consumer)
		c := tx.Bucket(changesBucket).Cursor()
		var start [8]byte
		binary.BigEndian.PutUint64(start[:], after+1)
		for k, v := c.Seek(start[:]); k != nil && len(b.records) < opts.BatchSize; k, v = c.Next() {
			var record events.DynamoDBEventRecord
			if err := json.Unmarshal(v, &record); err != nil {
				return fmt.Errorf("change %x: %w", k, err)
			}
			b.last = binary.BigEndian.Uint64(k)
			if opts.Filter == nil || opts.Filter(record) {
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

func (s *Store) checkpoint(consumer string, seq uint64) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], seq)
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(checkpointsBucket).Put([]byte(consumer), v[:])
	})
}

func seqOf(r events.DynamoDBEventRecord) uint64 {
	n, _ := strconv.ParseUint(r.Change.SequenceNumber, 10, 64)
	return n
}

// DeadLetter is a message on the embedded dead-letter queue.
type DeadLetter struct {
	ID string `json:"id"`
	// Source is the consumer that gave up, or "processor" for a webhook it
	// marked FAILED.
	Source string `json:"source"`
	// Body is the message: the stream record, or the failed webhook's keys.
	Body     json.RawMessage `json:"body"`
	Attempts int             `json:"attempts,omitempty"`
	SentAt   time.Time       `json:"sent_at"`
}

// deadLetter moves a record past the consumer's checkpoint and onto the
// dead-letter queue in one commit: it is never both lost and skipped.
func (s *Store) deadLetter(consumer string, record events.DynamoDBEventRecord, attempts int) error {
	body, err := json.Marshal(record)
	if err != nil {
		return err
	}
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], seqOf(record))
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := putDeadLetter(tx, consumer, body, attempts); err != nil {
			return err
		}
		return tx.Bucket(checkpointsBucket).Put([]byte(consumer), v[:])
	})
}

func putDeadLetter(tx *bolt.Tx, source string, body []byte, attempts int) error {
	letters := tx.Bucket(deadLettersBucket)
	seq, err := letters.NextSequence()
	if err != nil {
		return err
	}
	letter, err := json.Marshal(DeadLetter{ID: strconv.FormatUint(seq, 10), Source: source, Body: body, Attempts: attempts, SentAt: time.Now().UTC()})
	if err != nil {
		return err
	}
	var key [8]byte
	binary.BigEndian.PutUint64(key[:], seq)
	return letters.Put(key[:], letter)
}

// DeadLetterQueue is the embedded dead-letter queue, as the processor and
// redrive see a queue (deadletter.Queue). Messages sent through it are
// marked with its source.
type DeadLetterQueue struct {
	store  *Store
	source string
}

// DeadLetterQueue returns the queue, sending as source.
func (s *Store) DeadLetterQueue(source string) *DeadLetterQueue {
	return &DeadLetterQueue{store: s, source: source}
}

func (q *DeadLetterQueue) Send(_ context.Context, body []byte) error {
	return q.store.db.Update(func(tx *bolt.Tx) error { return putDeadLetter(tx, q.source, body, 0) })
}

// Receive returns up to max messages, oldest first. They stay on the queue
// until deleted.
func (q *DeadLetterQueue) Receive(_ context.Context, max int) ([]deadletter.Message, error) {
	var messages []deadletter.Message
	err := q.store.db.View(func(tx *bolt.Tx) error {
		var err error
		messages, err = receiveLetters(tx, max)
		return err
	})
	return messages, err
}

func (q *DeadLetterQueue) Delete(_ context.Context, m deadletter.Message) error {
	return q.store.db.Update(func(tx *bolt.Tx) error { return deleteLetter(tx, m.ID) })
}

func receiveLetters(tx *bolt.Tx, max int) ([]deadletter.Message, error) {
	var messages []deadletter.Message
	c := tx.Bucket(deadLettersBucket).Cursor()
	for k, v := c.First(); k != nil && len(messages) < max; k, v = c.Next() {
		var l DeadLetter
		if err := json.Unmarshal(v, &l); err != nil {
			return nil, err
		}
		messages = append(messages, deadletter.Message{ID: l.ID, Body: l.Body, Source: l.Source, SentAt: l.SentAt})
	}
	return messages, nil
}

func deleteLetter(tx *bolt.Tx, id string) error {
	seq, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return errors.New("dead letter id is not a number")
	}
	var key [8]byte
	binary.BigEndian.PutUint64(key[:], seq)
	return tx.Bucket(deadLettersBucket).Delete(key[:])
}
