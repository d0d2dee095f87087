package embedded

import (
	"context"
	"errors"

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
		old, err := getItem(tx, pk, sk)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := tx.Bucket(itemsBucket).Delete(itemKey(pk, sk)); err != nil {
			return err
		}
		deleted = true
		return appendChange(tx, events.DynamoDBEventRecord{
			EventName: string(events.DynamoDBOperationTypeRemove),
			Change: events.DynamoDBStreamRecord{
				Keys:     store.Item{store.AttrPK: old[store.AttrPK], store.AttrSK: old[store.AttrSK]},
				OldImage: old,
			},
		})
	})
	if err != nil {
		return store.Unavailable(err)
	}
	if deleted {
		s.feed.notify()
	}
	return nil
}
