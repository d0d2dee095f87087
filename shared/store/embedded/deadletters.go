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
