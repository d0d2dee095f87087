package embedded

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	bolt "go.etcd.io/bbolt"

	"github.com/payhook/payhook/shared/deadletter"
)

var deadLettersBucket = []byte("dead_letters")

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
	// HiddenUntil is when a received letter shows again, as SQS's
	// visibility timeout.
	HiddenUntil time.Time `json:"hidden_until,omitzero"`
}

// visibility is how long a received letter stays hidden: SQS's 60 s, as
// the SQS adapter asks.
const visibility = 60 * time.Second

// deadLetter moves a record past the consumer's checkpoint and onto the
// dead-letter queue in one commit: it is never both lost and skipped.
func (s *Store) deadLetter(consumer string, record events.DynamoDBEventRecord, attempts int) error {
	body, err := json.Marshal(record)
	if err != nil {
		return err
	}
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], seqOf(record))
	return s.update(OpFeedDeadLetter, func(tx *bolt.Tx) error {
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

// DeadLetterQueue is one source's dead-letter queue, as the processor and
// redrive see a queue (deadletter.Queue): on AWS each consumer has its own
// SQS queue; here they share a bucket, and each letter is marked with its
// source. A queue sends, receives and deletes only its source's letters.
type DeadLetterQueue struct {
	store  *Store
	source string
}

// DeadLetterQueue returns source's queue.
func (s *Store) DeadLetterQueue(source string) *DeadLetterQueue {
	return &DeadLetterQueue{store: s, source: source}
}

func (q *DeadLetterQueue) Send(_ context.Context, body []byte) error {
	return q.store.update(OpDeadLetterSend, func(tx *bolt.Tx) error { return putDeadLetter(tx, q.source, body, 0) })
}

// Receive returns up to limit of the source's letters, oldest first, not
// received in the last minute, and hides them for a minute. They stay on
// the queue until deleted.
func (q *DeadLetterQueue) Receive(_ context.Context, limit int) ([]deadletter.Message, error) {
	var messages []deadletter.Message
	err := q.store.update(OpDeadLetterReceive, func(tx *bolt.Tx) error {
		var err error
		messages, err = receiveLetters(tx, q.source, limit, time.Now().UTC())
		return err
	})
	return messages, err
}

func (q *DeadLetterQueue) Delete(_ context.Context, m deadletter.Message) error {
	return q.store.update(OpDeadLetterDelete, func(tx *bolt.Tx) error { return deleteLetter(tx, m.Handle) })
}

func receiveLetters(tx *bolt.Tx, source string, limit int, now time.Time) ([]deadletter.Message, error) {
	var messages []deadletter.Message
	letters := tx.Bucket(deadLettersBucket)
	c := letters.Cursor()
	var hide [][2][]byte
	for k, v := c.First(); k != nil && len(messages) < limit; k, v = c.Next() {
		var l DeadLetter
		if err := json.Unmarshal(v, &l); err != nil {
			return nil, damagedValue(deadLettersBucket, err)
		}
		if l.Source != source || now.Before(l.HiddenUntil) {
			continue
		}
		messages = append(messages, deadletter.Message{ID: l.ID, Handle: l.ID, Body: l.Body, Source: l.Source, SentAt: l.SentAt})
		l.HiddenUntil = now.Add(visibility)
		hidden, err := json.Marshal(l)
		if err != nil {
			return nil, err
		}
		hide = append(hide, [2][]byte{append([]byte(nil), k...), hidden})
	}
	for _, kv := range hide {
		if err := letters.Put(kv[0], kv[1]); err != nil {
			return nil, err
		}
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
