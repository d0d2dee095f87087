package embedded

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/itemjson"
)

// InTransaction runs fn with the processing operations and a dead-letter
// queue (sending as source) bound to one write transaction. Everything fn
// writes commits together, with one fsync, or none of it does when fn
// returns an error. The local pipeline processes each feed batch this way:
// one commit per batch instead of one per webhook. A refused write inside
// (a webhook no longer pending) leaves the transaction untouched.
func (s *Store) InTransaction(ctx context.Context, source string, fn func(store.Processing, deadletter.Queue) error) error {
	if err := ctx.Err(); err != nil {
		return store.Unavailable(err)
	}
	var view *txView
	err := s.update(OpTransaction, func(tx *bolt.Tx) error {
		view = &txView{tx: tx, dec: &s.items, read: decoded{}}
		if err := fn(view, txQueue{tx, source}); err != nil {
			return err
		}
		// fn may carry on past a failed write (the processor retries that
		// record later); one that left half its writes in tx must not commit.
		return view.broken
	})
	if err != nil {
		return store.Unavailable(err)
	}
	s.feed.notify()
	if view.queued {
		s.forwards.notify()
	}
	return nil
}

// txView is store.Processing inside one transaction: reads see the
// transaction's own writes. broken is set by a write that failed after
// writing part of itself: the transaction must then be rolled back.
type txView struct {
	tx     *bolt.Tx
	dec    *itemjson.Decoder
	read   decoded
	broken error
	// queued says a commit queued forwards: the dispatcher is woken.
	queued bool
}

func (v *txView) GetWebhook(_ context.Context, provider, eventID string) (store.Webhook, error) {
	pk, sk := store.WebhookKey(provider, eventID)
	item, err := getItem(v.tx, v.dec, v.read, pk, sk)
	if err != nil {
		return store.Webhook{}, err
	}
	return store.DecodeWebhook(item)
}

func (v *txView) GetPayment(_ context.Context, provider, paymentID string) (payment.State, error) {
	item, err := getItem(v.tx, v.dec, v.read, store.PaymentKey(provider, paymentID), store.SortKey(store.KindPayment))
	if err != nil {
		return payment.State{}, err
	}
	return store.DecodePayment(item)
}

func (v *txView) CommitProcessed(_ context.Context, c store.Commit) error {
	writes, err := commitWrites(c)
	if err != nil {
		return err
	}
	if err := applyWrites(v.tx, v.dec, v.read, writes); err != nil {
		return err
	}
	if err := queueForwards(v.tx, c.Forwards); err != nil {
		v.broken = fmt.Errorf("the payment's forwards could not be queued with it: %w", err)
		return v.broken
	}
	v.queued = v.queued || len(c.Forwards) > 0
	return nil
}

func (v *txView) PutWebhookIfStatus(_ context.Context, w store.Webhook, from store.Status) error {
	item, err := store.WebhookItem(w)
	if err != nil {
		return err
	}
	return applyWrites(v.tx, v.dec, v.read, []write{{item: item, check: statusIs(from)}})
}

// txQueue is the dead-letter queue inside one transaction.
type txQueue struct {
	tx     *bolt.Tx
	source string
}

func (q txQueue) Send(_ context.Context, body []byte) error {
	return putDeadLetter(q.tx, q.source, body, 0)
}

func (q txQueue) Receive(_ context.Context, limit int) ([]deadletter.Message, error) {
	return receiveLetters(q.tx, q.source, limit, time.Now().UTC())
}

func (q txQueue) Delete(_ context.Context, m deadletter.Message) error {
	return deleteLetter(q.tx, m.Handle)
}
