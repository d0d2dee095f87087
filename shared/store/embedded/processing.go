package embedded

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	bolt "go.etcd.io/bbolt"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/itemjson"
)

// write is one conditional item write: check sees the current item (nil
// when absent) and returns an error to refuse the write.
type write struct {
	item  store.Item
	check func(current store.Item) error
}

// commit applies writes atomically, each with its change record, or none.
func (s *Store) commit(ctx context.Context, operation string, writes ...write) error {
	return s.commitWithForwards(ctx, operation, nil, writes...)
}

// commitWithForwards also queues forwards, in the same transaction.
func (s *Store) commitWithForwards(ctx context.Context, operation string, forwards []store.Forward, writes ...write) error {
	if err := ctx.Err(); err != nil {
		return store.Unavailable(err)
	}
	err := s.update(operation, func(tx *bolt.Tx) error {
		if err := applyWrites(tx, &s.items, nil, writes); err != nil {
			return err
		}
		return queueForwards(tx, forwards)
	})
	if err != nil && !errors.Is(err, store.ErrWebhookNotPending) && !errors.Is(err, store.ErrPaymentChanged) && !errors.Is(err, store.ErrRejected) {
		return store.Unavailable(err)
	}
	if err == nil {
		s.feed.notify()
		if len(forwards) > 0 {
			s.forwards.notify()
		}
	}
	return err
}

// applyWrites checks every write's condition first and only then writes,
// so that a refused write leaves tx untouched even when tx goes on to
// commit other work (bbolt has no savepoints). read, when not nil, holds
// the items tx has decoded already, by key: those are not decoded again,
// and it learns each item written.
func applyWrites(tx *bolt.Tx, dec *itemjson.Decoder, read decoded, writes []write) error {
	items := tx.Bucket(itemsBucket)
	type pending struct {
		change
		key     []byte
		current store.Item
	}
	all := make([]pending, len(writes))
	// A later write of a key sees the earlier one, as a transaction's reads
	// see its own writes: its check, its old image, its expiry entry.
	latest := map[string]int{}
	for i, w := range writes {
		if err := store.CheckKeys(w.item); err != nil {
			return err
		}
		pk, sk := w.item[store.AttrPK].String(), w.item[store.AttrSK].String()
		key := itemKey(pk, sk)
		c := change{name: events.DynamoDBOperationTypeInsert, pk: pk, sk: sk}
		var current store.Item
		if j, ok := latest[string(key)]; ok {
			current = writes[j].item
			c.name, c.old = events.DynamoDBOperationTypeModify, all[j].new
		} else if raw := items.Get(key); raw != nil {
			var err error
			if current, err = read.item(dec, key, raw); err != nil {
				return err
			}
			// The change record keeps the stored bytes as the old image.
			c.name, c.old = events.DynamoDBOperationTypeModify, bytes.Clone(raw)
		}
		if err := w.check(current); err != nil {
			return err
		}
		c.new = itemjson.Marshal(w.item)
		all[i] = pending{c, key, current}
		latest[string(key)] = i
	}
	for i, w := range writes {
		p := all[i]
		if err := items.Put(p.key, p.new); err != nil {
			return err
		}
		if err := reindex(tx, p.key, p.current, w.item); err != nil {
			return err
		}
		if err := appendChange(tx, p.change); err != nil {
			return err
		}
		read.learn(p.key, w.item)
	}
	return nil
}

// decoded are the items one transaction has read, by key: the processor
// reads a webhook and its payment, then writes both, and each would
// otherwise be decoded twice.
type decoded map[string]store.Item

// item is the stored item raw, at key, decoded at most once; a nil d
// decodes it each time.
func (d decoded) item(dec *itemjson.Decoder, key, raw []byte) (store.Item, error) {
	if item, ok := d[string(key)]; ok {
		return item, nil
	}
	item, err := decodeItem(dec, raw)
	if err == nil {
		d.learn(key, item)
	}
	return item, err
}

// learn records the item now at key; a nil d learns nothing.
func (d decoded) learn(key []byte, item store.Item) {
	if d != nil {
		d[string(key)] = item
	}
}

func statusIs(from store.Status) func(store.Item) error {
	return func(current store.Item) error {
		if current == nil || current[store.AttrStatus].String() != string(from) {
			return store.ErrWebhookNotPending
		}
		return nil
	}
}

func versionIs(previous int64) func(store.Item) error {
	return func(current store.Item) error {
		if previous == 0 && current == nil {
			return nil
		}
		if current == nil || current[store.AttrVersion].Number() != fmt.Sprint(previous) {
			return store.ErrPaymentChanged
		}
		return nil
	}
}

func (s *Store) GetPayment(_ context.Context, provider, paymentID string) (payment.State, error) {
	item, err := s.get(store.PaymentKey(provider, paymentID), store.SortKey(store.KindPayment))
	if err != nil {
		return payment.State{}, err
	}
	return store.DecodePayment(item)
}

func (s *Store) get(pk, sk string) (store.Item, error) {
	var item store.Item
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		item, err = getItem(tx, &s.items, nil, pk, sk)
		return err
	})
	return item, err
}

// getItem reads the item at pk and sk as tx sees it, decoded once in the
// transaction when read keeps what it decodes.
func getItem(tx *bolt.Tx, dec *itemjson.Decoder, read decoded, pk, sk string) (store.Item, error) {
	key := itemKey(pk, sk)
	raw := tx.Bucket(itemsBucket).Get(key)
	if raw == nil {
		return nil, store.ErrNotFound
	}
	return read.item(dec, key, raw)
}

func (s *Store) CommitProcessed(ctx context.Context, c store.Commit) error {
	writes, err := commitWrites(c)
	if err != nil {
		return err
	}
	return s.commitWithForwards(ctx, OpCommitProcessed, c.Forwards, writes...)
}

// commitWrites are the conditional writes of one processed webhook.
func commitWrites(c store.Commit) ([]write, error) {
	var writes []write
	if c.Payment != nil {
		writes = append(writes, write{item: store.PaymentItem(*c.Payment, c.At), check: versionIs(c.PreviousVersion)})
	}
	processed, err := store.WebhookItem(store.ProcessedWebhook(c))
	if err != nil {
		return nil, err
	}
	return append(writes, write{item: processed, check: statusIs(c.Webhook.Status)}), nil
}

// PutWebhookIfStatus commits the webhook's item on condition of its status.
func (s *Store) PutWebhookIfStatus(ctx context.Context, w store.Webhook, from store.Status) error {
	item, err := store.WebhookItem(w)
	if err != nil {
		return err
	}
	return s.commit(ctx, OpPutWebhookIfStatus, write{item: item, check: statusIs(from)})
}
