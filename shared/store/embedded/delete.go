package embedded

import (
	"bytes"
	"context"

	"github.com/aws/aws-lambda-go/events"
	bolt "go.etcd.io/bbolt"

	"github.com/payhook/payhook/shared/store"
)

// DeleteWebhook removes a webhook with a REMOVE change record, as DynamoDB's
// DeleteItem does: the auditor sees the deletion. A webhook that is not
// there is not an error. payhook smoke removes what it wrote with it.
func (s *Store) DeleteWebhook(ctx context.Context, provider, eventID string) error {
	if err := ctx.Err(); err != nil {
		return store.Unavailable(err)
	}
	pk, sk := store.WebhookKey(provider, eventID)
	deleted := false
	err := s.update(OpDeleteWebhook, func(tx *bolt.Tx) error {
		items, key := tx.Bucket(itemsBucket), itemKey(pk, sk)
		raw := items.Get(key)
		if raw == nil {
			return nil
		}
		raw = bytes.Clone(raw)
		old, err := decodeItem(&s.items, raw)
		if err != nil {
			return err
		}
		if err := items.Delete(key); err != nil {
			return err
		}
		if err := reindex(tx, key, old, nil); err != nil {
			return err
		}
		if err := dropForwardRecords(tx, pk); err != nil {
			return err
		}
		deleted = true
		return appendChange(tx, change{name: events.DynamoDBOperationTypeRemove, pk: pk, sk: sk, old: raw})
	})
	if err != nil {
		return store.Unavailable(err)
	}
	if deleted {
		s.feed.notify()
	}
	return nil
}
