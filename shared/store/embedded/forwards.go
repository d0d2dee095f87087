package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/payhook/payhook/shared/store"
)

// The outbox: queued forwards and dead ones keyed by destination then
// sequence, so one destination's queue is one ordered range; and each
// destination's delivery record.
var (
	forwardsBucket      = []byte("forwards")
	deadForwardsBucket  = []byte("forwards_dead")
	forwardStatusBucket = []byte("forward_status")
	// forwardHoldsBucket: destination NUL payment key, for each payment
	// with a message on the destination's dead-letter queue.
	forwardHoldsBucket = []byte("forward_holds")
)

func holdKey(destination, paymentKey string) []byte {
	return append(destinationPrefix(destination), paymentKey...)
}

func forwardKey(destination string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(destinationPrefix(destination), seq)
}

func destinationPrefix(destination string) []byte { return append([]byte(destination), 0) }

// queueForwards appends fs to their destinations' queues in tx.
func queueForwards(tx *bolt.Tx, fs []store.Forward) error { return queue(tx, fs, false) }

// queue appends fs to their destinations' queues in tx, each recorded as
// queued, or queued again by an operator (resent).
func queue(tx *bolt.Tx, fs []store.Forward, resent bool) error {
	queue := tx.Bucket(forwardsBucket)
	for _, f := range fs {
		seq, err := queue.NextSequence()
		if err != nil {
			return err
		}
		f.Seq = seq
		if err := putForward(queue, f); err != nil {
			return err
		}
		err = logForward(tx, f, func(r *store.ForwardRecord) {
			r.State, r.DeliveredAt, r.DeadAt = store.ForwardQueued, time.Time{}, time.Time{}
			if resent {
				r.Resent++
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func putForward(b *bolt.Bucket, f store.Forward) error {
	encoded, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return b.Put(forwardKey(f.Destination, f.Seq), encoded)
}

// ForwardsQueued is closed at the next commit that may have queued
// forwards: the dispatcher waits on it rather than polling.
func (s *Store) ForwardsQueued() <-chan struct{} { return s.forwards.wait() }

func (s *Store) PendingForwards(_ context.Context, destination string, after uint64, limit int) ([]store.Forward, error) {
	var fs []store.Forward
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		if fs, err = scanForwards(tx, forwardsBucket, destination, after, limit); err != nil {
			return err
		}
		holds := tx.Bucket(forwardHoldsBucket)
		for i := range fs {
			fs[i].Held = fs[i].PaymentKey != "" && holds.Get(holdKey(destination, fs[i].PaymentKey)) != nil
		}
		return nil
	})
	return fs, err
}

// scanForwards reads up to limit of destination's forwards in bucket in order,
// after sequence after; all destinations' when destination is empty, and
// all when limit is 0.
func scanForwards(tx *bolt.Tx, bucket []byte, destination string, after uint64, limit int) ([]store.Forward, error) {
	b := tx.Bucket(bucket)
	var fs []store.Forward
	c := b.Cursor()
	prefix := destinationPrefix(destination)
	start := prefix
	if destination == "" {
		prefix, start = nil, nil
	} else if after > 0 {
		start = forwardKey(destination, after+1)
	}
	for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, prefix) && (limit == 0 || len(fs) < limit); k, v = c.Next() {
		var f store.Forward
		if err := json.Unmarshal(v, &f); err != nil {
			return nil, damagedValue(bucket, err)
		}
		fs = append(fs, f)
	}
	return fs, nil
}

// forwardRecord is a destination's delivery record.
type forwardRecord struct {
	Delivered   int64     `json:"delivered"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
}

// record updates destination's delivery record in tx.
func record(tx *bolt.Tx, destination string, update func(*forwardRecord)) error {
	b := tx.Bucket(forwardStatusBucket)
	var r forwardRecord
	if raw := b.Get([]byte(destination)); raw != nil {
		if err := json.Unmarshal(raw, &r); err != nil {
			return damagedValue(forwardStatusBucket, err)
		}
	}
	update(&r)
	encoded, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return b.Put([]byte(destination), encoded)
}

// errForwardGone: the message left its queue meanwhile (redriven twice,
// or delivered by a previous run); the update is dropped.
var errForwardGone = errors.New("forward is no longer queued")

// update runs fn on f's queue entry in a shared commit: updates of
// concurrent deliveries share an fsync, as concurrent receipts do.
func (s *Store) updateForward(ctx context.Context, f store.Forward, fn func(tx *bolt.Tx, queue *bolt.Bucket, key []byte) error) error {
	if err := ctx.Err(); err != nil {
		return store.Unavailable(err)
	}
	err := s.batch(OpForwardUpdate, func(tx *bolt.Tx) error {
		queue := tx.Bucket(forwardsBucket)
		key := forwardKey(f.Destination, f.Seq)
		if queue.Get(key) == nil {
			return errForwardGone
		}
		return fn(tx, queue, key)
	})
	if errors.Is(err, errForwardGone) {
		return nil
	}
	if err != nil {
		return store.Unavailable(err)
	}
	return nil
}

func (s *Store) ForwardDelivered(ctx context.Context, f store.Forward, at time.Time) error {
	return s.updateForward(ctx, f, func(tx *bolt.Tx, queue *bolt.Bucket, key []byte) error {
		if err := queue.Delete(key); err != nil {
			return err
		}
		err := logForward(tx, f, func(r *store.ForwardRecord) {
			f.LastError = ""
			tried(r, f, at)
			r.State, r.DeliveredAt = store.ForwardDelivered, at.UTC()
		})
		if err != nil {
			return err
		}
		return record(tx, f.Destination, func(r *forwardRecord) { r.Delivered++; r.LastSuccess = at.UTC() })
	})
}

func (s *Store) ForwardFailed(ctx context.Context, f store.Forward, at time.Time) error {
	return s.updateForward(ctx, f, func(tx *bolt.Tx, queue *bolt.Bucket, _ []byte) error {
		if err := putForward(queue, f); err != nil {
			return err
		}
		if err := logForward(tx, f, func(r *store.ForwardRecord) { tried(r, f, at) }); err != nil {
			return err
		}
		return record(tx, f.Destination, func(r *forwardRecord) { r.LastError, r.LastErrorAt = f.LastError, at.UTC() })
	})
}

func (s *Store) DeadLetterForward(ctx context.Context, f store.Forward, at time.Time) error {
	return s.updateForward(ctx, f, func(tx *bolt.Tx, queue *bolt.Bucket, key []byte) error {
		if err := queue.Delete(key); err != nil {
			return err
		}
		f.DeadAt = at.UTC()
		if err := putForward(tx.Bucket(deadForwardsBucket), f); err != nil {
			return err
		}
		if f.PaymentKey != "" {
			if err := tx.Bucket(forwardHoldsBucket).Put(holdKey(f.Destination, f.PaymentKey), []byte{1}); err != nil {
				return err
			}
		}
		err := logForward(tx, f, func(r *store.ForwardRecord) {
			if !f.Held { // a held message was not tried: it follows its payment's
				tried(r, f, at)
			}
			r.State, r.DeadAt, r.LastError = store.ForwardDead, at.UTC(), f.LastError
		})
		if err != nil {
			return err
		}
		return record(tx, f.Destination, func(r *forwardRecord) { r.LastError, r.LastErrorAt = f.LastError, at.UTC() })
	})
}

func (s *Store) ForwardStatuses(_ context.Context) ([]store.ForwardStatus, error) {
	var statuses []store.ForwardStatus
	err := s.view(func(tx *bolt.Tx) error {
		byName := map[string]*store.ForwardStatus{}
		var order []string
		status := func(destination string) *store.ForwardStatus {
			if st, ok := byName[destination]; ok {
				return st
			}
			order = append(order, destination)
			byName[destination] = &store.ForwardStatus{Destination: destination}
			return byName[destination]
		}
		err := tx.Bucket(forwardStatusBucket).ForEach(func(k, v []byte) error {
			var r forwardRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return damagedValue(forwardStatusBucket, err)
			}
			st := status(string(k))
			st.Delivered, st.LastSuccess, st.LastError, st.LastErrorAt = r.Delivered, r.LastSuccess, r.LastError, r.LastErrorAt
			return nil
		})
		if err != nil {
			return err
		}
		count := func(b *bolt.Bucket, add func(*store.ForwardStatus)) error {
			return b.ForEach(func(k, _ []byte) error {
				destination, _, _ := bytes.Cut(k, []byte{0})
				add(status(string(destination)))
				return nil
			})
		}
		if err := count(tx.Bucket(forwardsBucket), func(st *store.ForwardStatus) { st.Backlog++ }); err != nil {
			return err
		}
		if err := count(tx.Bucket(deadForwardsBucket), func(st *store.ForwardStatus) { st.Dead++ }); err != nil {
			return err
		}
		for _, name := range order {
			statuses = append(statuses, *byName[name])
		}
		return nil
	})
	return statuses, err
}

func (s *Store) DeadForwards(_ context.Context, destination string, limit int) ([]store.Forward, error) {
	var fs []store.Forward
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		fs, err = scanForwards(tx, deadForwardsBucket, destination, 0, limit)
		return err
	})
	return fs, err
}

// redriveChunk bounds one redrive transaction: the store's one writer is
// held for a chunk at a time, not for a whole dead-letter queue.
const redriveChunk = 1000

func (s *Store) RedriveForwards(ctx context.Context, destination string) (int, error) {
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, store.Unavailable(err)
		}
		moved := 0
		err := s.update(OpForwardRedrive, func(tx *bolt.Tx) error {
			dead := tx.Bucket(deadForwardsBucket)
			fs, err := scanForwards(tx, deadForwardsBucket, destination, 0, redriveChunk)
			if err != nil {
				return err
			}
			queue, holds := tx.Bucket(forwardsBucket), tx.Bucket(forwardHoldsBucket)
			for _, f := range fs {
				if err := dead.Delete(forwardKey(f.Destination, f.Seq)); err != nil {
					return err
				}
				// Back in its own place, before its payment's later
				// messages, which were held behind it.
				f.Attempts, f.FirstAttemptAt, f.NextAttempt, f.LastError, f.DeadAt = 0, time.Time{}, time.Time{}, "", time.Time{}
				if err := putForward(queue, f); err != nil {
					return err
				}
				if f.PaymentKey != "" {
					if err := holds.Delete(holdKey(f.Destination, f.PaymentKey)); err != nil {
						return err
					}
				}
				if err := logForward(tx, f, func(r *store.ForwardRecord) { r.State, r.DeadAt = store.ForwardQueued, time.Time{} }); err != nil {
					return err
				}
			}
			moved = len(fs)
			return nil
		})
		if err != nil {
			return n, store.Unavailable(err)
		}
		n += moved
		if moved > 0 {
			s.forwards.notify()
		}
		if moved < redriveChunk {
			return n, nil
		}
	}
}
