package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/itemjson"
)

// The webhook indexes, as the table's global secondary indexes are on
// DynamoDB: every webhook by when it was received; by status; by the
// payment it is about. A key is its partition (length first, so that no
// partition's name is a prefix of another's), the received_at string, a
// NUL, and the item's pk: keys sort as a listing runs, oldest first.
var (
	byReceivedBucket = []byte("webhooks_by_received")
	byStatusBucket   = []byte("webhooks_by_status")
	byPaymentBucket  = []byte("webhooks_by_payment")
	webhookIndexes   = [][]byte{byReceivedBucket, byStatusBucket, byPaymentBucket}
)

func partitionPrefix(partition string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(partition))), partition...) //nolint:gosec // G115: statuses and payment keys are far below 64 KiB (store.MaxPartitionKeyBytes)
}

func indexKey(partition string, at store.Position) []byte {
	return append(append(append(partitionPrefix(partition), at.ReceivedAt...), 0), at.PK...)
}

// indexEntry is one entry of a webhook in one index.
type indexEntry struct {
	bucket []byte
	key    []byte
}

// webhookEntries are item's entries in the webhook indexes: none for an
// item that is not a webhook.
func webhookEntries(item store.Item) []indexEntry {
	if item == nil || store.KindOf(item) != store.KindWebhook {
		return nil
	}
	at := store.Position{ReceivedAt: item[store.AttrReceivedAt].String(), PK: item[store.AttrPK].String()}
	entries := []indexEntry{
		{byReceivedBucket, indexKey("", at)},
		{byStatusBucket, indexKey(item[store.AttrStatus].String(), at)},
	}
	if key, ok := item[store.AttrPaymentKey]; ok && key.String() != "" {
		entries = append(entries, indexEntry{byPaymentBucket, indexKey(key.String(), at)})
	}
	return entries
}

// reindexWebhook moves a webhook's index entries from old's to updated's;
// either may be nil (an insert, a deletion). An entry both have is left
// alone: writing it again would copy its page into the commit for nothing.
func reindexWebhook(tx *bolt.Tx, old, updated store.Item) error {
	had, keep := webhookEntries(old), webhookEntries(updated)
	for _, was := range had {
		if !containsEntry(keep, was) {
			if err := tx.Bucket(was.bucket).Delete(was.key); err != nil {
				return err
			}
		}
	}
	for _, is := range keep {
		if containsEntry(had, is) {
			continue
		}
		if err := tx.Bucket(is.bucket).Put(is.key, []byte{}); err != nil {
			return err
		}
	}
	return nil
}

func containsEntry(entries []indexEntry, e indexEntry) bool {
	for _, other := range entries {
		if bytes.Equal(other.bucket, e.bucket) && bytes.Equal(other.key, e.key) {
			return true
		}
	}
	return false
}

// buildWebhookIndexes indexes every webhook: once, when a file written
// before the indexes existed is opened.
func buildWebhookIndexes(tx *bolt.Tx, dec *itemjson.Decoder) error {
	return tx.Bucket(itemsBucket).ForEach(func(k, v []byte) error {
		item, err := dec.Unmarshal(v)
		if err != nil {
			return fmt.Errorf("indexing webhooks: item %q: %w", k, err)
		}
		return reindexWebhook(tx, nil, item)
	})
}

// QueryWebhooks reads one index backwards from the cursor (or the upper
// bound), holding each webhook to the query, until the page is full or
// MaxRead webhooks were read.
func (s *Store) QueryWebhooks(ctx context.Context, q store.WebhookQuery) (store.WebhookPage, error) {
	q = q.Bounded()
	after, continues, err := store.ParseCursor(q.After)
	if err != nil {
		return store.WebhookPage{}, err
	}
	bucket, partition := byReceivedBucket, ""
	switch {
	case q.PaymentKey != "":
		bucket, partition = byPaymentBucket, q.PaymentKey
	case q.Status != "":
		bucket, partition = byStatusBucket, string(q.Status)
	}
	prefix := partitionPrefix(partition)
	lo, hi := store.ReceivedRange(q.Since, q.Until)
	end := append(bytes.Clone(prefix), 0xff) // received_at never starts with 0xff
	if hi != "" {
		end = append(bytes.Clone(prefix), hi...)
	}
	if continues {
		if from := indexKey(partition, after); bytes.Compare(from, end) < 0 {
			end = from
		}
	}
	var page store.WebhookPage
	err = s.view(func(tx *bolt.Tx) error {
		c, items := tx.Bucket(bucket).Cursor(), tx.Bucket(itemsBucket)
		k, _ := c.Seek(end)
		if k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		var last store.Position
		for read := 0; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Prev() {
			if err := ctx.Err(); err != nil {
				return store.Unavailable(err)
			}
			receivedAt, pk, _ := bytes.Cut(k[len(prefix):], []byte{0})
			if string(receivedAt) < lo {
				return nil
			}
			if read == q.MaxRead || len(page.Webhooks) == q.Limit {
				page.Next = last.Cursor()
				return nil
			}
			read++
			last = store.Position{ReceivedAt: string(receivedAt), PK: string(pk)}
			w, err := listedWebhook(&s.items, items, last.PK)
			if err != nil {
				return err
			}
			if q.Matches(w) {
				page.Webhooks = append(page.Webhooks, w)
			}
		}
		return nil
	})
	return page, err
}

// listedWebhook reads the webhook at pk without its body and signature
// headers: a listing for people.
func listedWebhook(dec *itemjson.Decoder, items *bolt.Bucket, pk string) (store.Webhook, error) {
	raw := items.Get(itemKey(pk, store.SortKey(store.KindWebhook)))
	if raw == nil {
		return store.Webhook{}, fmt.Errorf("index names %q, which is not stored", pk)
	}
	item, err := dec.Unmarshal(raw)
	if err != nil {
		return store.Webhook{}, err
	}
	delete(item, store.AttrBody)
	delete(item, store.AttrSignatureHeaders)
	return store.DecodeWebhook(item)
}
