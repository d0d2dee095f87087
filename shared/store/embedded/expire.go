package embedded

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	bolt "go.etcd.io/bbolt"

	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/itemjson"
)

// expiryBucket indexes the items that expire by when: expires_at in 20
// decimal digits (so that keys sort by it), then the item's key. Every write of an item
// moves its entry, so Expire reads only what is due instead of decoding
// every item under the writer lock.
var expiryBucket = []byte("expiry")

// maxExpirePerCommit bounds one expiry commit, so that a backlog (a store
// reopened after a long time) is deleted over several short commits.
const maxExpirePerCommit = 5000

const expiryDigits = 20

func expiryKey(at int64, key []byte) []byte {
	return append(fmt.Appendf(make([]byte, 0, expiryDigits+len(key)), "%0*d", expiryDigits, at), key...)
}

// expiresAt is item's time to live, when it has one DynamoDB would honour.
func expiresAt(item store.Item) (int64, bool) {
	ttl, ok := item[store.AttrExpiresAt]
	if !ok || ttl.DataType() != events.DataTypeNumber {
		return 0, false
	}
	at, err := ttl.Int64()
	return at, err == nil && at > 0
}

// reindex moves key's entries in the expiry and webhook indexes from
// old's to updated's; either may be nil (an insert, a deletion).
func reindex(tx *bolt.Tx, key []byte, old, updated store.Item) error {
	if err := reindexWebhook(tx, old, updated); err != nil {
		return err
	}
	index := tx.Bucket(expiryBucket)
	was, had := expiresAt(old)
	is, has := expiresAt(updated)
	if had && has && was == is {
		return nil
	}
	if had {
		if err := index.Delete(expiryKey(was, key)); err != nil {
			return err
		}
	}
	if has {
		return index.Put(expiryKey(is, key), []byte{})
	}
	return nil
}

// buildExpiryIndex indexes every item: once, when a file written before
// the index existed is opened.
func buildExpiryIndex(tx *bolt.Tx, dec *itemjson.Decoder) error {
	return tx.Bucket(itemsBucket).ForEach(func(k, v []byte) error {
		item, err := decodeItem(dec, v)
		if err != nil {
			return fmt.Errorf("indexing expiry: item %q: %w", k, err)
		}
		return reindex(tx, k, nil, item)
	})
}

// Expire deletes the items whose expires_at has passed, as DynamoDB's TTL
// does, each with a REMOVE change record carrying the TTL identity, and
// reports how many. Local runs call it on a timer.
func (s *Store) Expire(ctx context.Context, now time.Time) (int, error) {
	expired := 0
	for {
		if err := ctx.Err(); err != nil {
			return expired, err
		}
		var read, deleted int
		err := s.update(OpExpire, func(tx *bolt.Tx) error {
			var err error
			read, deleted, err = expireDue(tx, &s.items, now.Unix())
			return err
		})
		if err != nil {
			return expired, store.Unavailable(err)
		}
		if deleted > 0 {
			s.feed.notify()
		}
		expired += deleted
		if read < maxExpirePerCommit {
			return expired, nil
		}
	}
}

// expireDue reads up to maxExpirePerCommit index entries due at now and
// deletes their items. An entry is trusted only as far as the item agrees:
// one whose item is gone or expires at another time (written by a payhook
// that kept no index) is corrected, and the item left alone.
func expireDue(tx *bolt.Tx, dec *itemjson.Decoder, now int64) (read, deleted int, err error) {
	index, items := tx.Bucket(expiryBucket), tx.Bucket(itemsBucket)
	var due [][]byte
	c := index.Cursor()
	for k, _ := c.First(); k != nil && len(due) < maxExpirePerCommit; k, _ = c.Next() {
		if at, err := strconv.ParseInt(string(k[:expiryDigits]), 10, 64); err != nil || at > now {
			break
		}
		due = append(due, bytes.Clone(k))
	}
	identity := store.TTLIdentity
	for _, entry := range due {
		if err := index.Delete(entry); err != nil {
			return 0, 0, err
		}
		key := entry[expiryDigits:]
		raw := items.Get(key)
		if raw == nil {
			continue
		}
		old := bytes.Clone(raw)
		item, err := decodeItem(dec, old)
		if err != nil {
			return 0, 0, fmt.Errorf("item %q: %w", key, err)
		}
		if at, ok := expiresAt(item); !ok || at > now {
			if err := reindex(tx, key, nil, item); err != nil {
				return 0, 0, err
			}
			continue
		}
		if err := items.Delete(key); err != nil {
			return 0, 0, err
		}
		if err := reindexWebhook(tx, item, nil); err != nil {
			return 0, 0, err
		}
		if err := dropForwardRecords(tx, item[store.AttrPK].String()); err != nil {
			return 0, 0, err
		}
		err = appendChange(tx, change{
			name: events.DynamoDBOperationTypeRemove,
			pk:   item[store.AttrPK].String(), sk: item[store.AttrSK].String(),
			old: old, identity: &identity,
		})
		if err != nil {
			return 0, 0, err
		}
		deleted++
	}
	return len(due), deleted, nil
}
