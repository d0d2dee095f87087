package embedded

import (
	"context"
	"encoding/json"
	"time"

	"github.com/aws/aws-lambda-go/events"
	bolt "go.etcd.io/bbolt"

	"github.com/payhook/payhook/shared/store"
)

// Expire deletes the items whose expires_at has passed, as DynamoDB's TTL
// does, each with a REMOVE change record carrying the TTL identity, and
// reports how many. Local runs call it on a timer.
func (s *Store) Expire(ctx context.Context, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	expired := 0
	identity := store.TTLIdentity
	err := s.update(OpExpire, func(tx *bolt.Tx) error {
		items := tx.Bucket(itemsBucket)
		var keys [][]byte
		var images []store.Item
		err := items.ForEach(func(k, v []byte) error {
			var item store.Item
			if err := json.Unmarshal(v, &item); err != nil {
				return err
			}
			ttl, ok := item[store.AttrExpiresAt]
			if !ok || ttl.DataType() != events.DataTypeNumber {
				return nil
			}
			if at, err := ttl.Int64(); err == nil && at > 0 && at <= now.Unix() {
				keys, images = append(keys, append([]byte(nil), k...)), append(images, item)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for i, key := range keys {
			if err := items.Delete(key); err != nil {
				return err
			}
			old := images[i]
			err := appendChange(tx, events.DynamoDBEventRecord{
				EventName:    string(events.DynamoDBOperationTypeRemove),
				UserIdentity: &identity,
				Change: events.DynamoDBStreamRecord{
					Keys:     store.Item{store.AttrPK: old[store.AttrPK], store.AttrSK: old[store.AttrSK]},
					OldImage: old,
				},
			})
			if err != nil {
				return err
			}
		}
		expired = len(keys)
		return nil
	})
	if err != nil {
		return 0, store.Unavailable(err)
	}
	if expired > 0 {
		s.feed.notify()
	}
	return expired, nil
}
