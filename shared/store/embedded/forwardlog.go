package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/payhook/payhook/shared/store"
)

// forwardLogBucket keeps what became of each forwarded message at each
// destination, keyed by its webhook's pk, a NUL, and the destination: a
// webhook's records are one range, deleted with the webhook.
var forwardLogBucket = []byte("forward_log")

func forwardLogPrefix(provider, eventID string) []byte {
	pk, _ := store.WebhookKey(provider, eventID)
	return append([]byte(pk), 0)
}

// logForward applies update to f's record in tx, creating it if needed.
// A message queued before records were kept names no webhook: nothing is
// recorded.
func logForward(tx *bolt.Tx, f store.Forward, update func(*store.ForwardRecord)) error {
	if f.Provider == "" || f.EventID == "" {
		return nil
	}
	b := tx.Bucket(forwardLogBucket)
	key := append(forwardLogPrefix(f.Provider, f.EventID), f.Destination...)
	r := store.ForwardRecord{Destination: f.Destination, MessageID: f.MessageID, EventType: f.EventType, QueuedAt: f.QueuedAt}
	if raw := b.Get(key); raw != nil {
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
	}
	update(&r)
	encoded, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return b.Put(key, encoded)
}

// tried records one attempt at f, made at at.
func tried(r *store.ForwardRecord, f store.Forward, at time.Time) {
	r.Attempts++
	r.Tries = append(r.Tries, store.ForwardTry{At: at.UTC(), Status: f.LastStatus, Error: f.LastError})
	if len(r.Tries) > store.MaxTries {
		r.Tries = r.Tries[len(r.Tries)-store.MaxTries:]
	}
	r.LastError = f.LastError
}

// dropForwardRecords deletes the records of the webhook at pk, when it
// expires or is deleted.
func dropForwardRecords(tx *bolt.Tx, pk string) error {
	prefix := append([]byte(pk), 0)
	c := tx.Bucket(forwardLogBucket).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) ForwardRecords(_ context.Context, provider, eventID string) ([]store.ForwardRecord, error) {
	var records []store.ForwardRecord
	err := s.view(func(tx *bolt.Tx) error {
		prefix := forwardLogPrefix(provider, eventID)
		c := tx.Bucket(forwardLogBucket).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var r store.ForwardRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			records = append(records, r)
		}
		return nil
	})
	return records, err
}

// QueueForwards queues an operator's resend: each message at the end of
// its destination's queue, as new, its record saying it was resent.
func (s *Store) QueueForwards(ctx context.Context, fs []store.Forward) error {
	if err := ctx.Err(); err != nil {
		return store.Unavailable(err)
	}
	err := s.update(OpForwardResend, func(tx *bolt.Tx) error {
		for i := range fs {
			fs[i].Attempts, fs[i].FirstAttemptAt, fs[i].NextAttempt, fs[i].LastError, fs[i].LastStatus, fs[i].DeadAt = 0, time.Time{}, time.Time{}, "", 0, time.Time{}
		}
		return queue(tx, fs, true)
	})
	if err != nil {
		return store.Unavailable(err)
	}
	if len(fs) > 0 {
		s.forwards.notify()
	}
	return nil
}
