package embedded

import (
	"context"

	bolt "go.etcd.io/bbolt"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/store"
)

func (s *Store) ListWebhooks(_ context.Context, filter store.WebhookFilter) ([]store.Webhook, error) {
	return store.ListWebhooks(s.scan, filter)
}

func (s *Store) ListPayments(context.Context) ([]payment.State, error) {
	return store.ListPayments(s.scan)
}

// scan visits every item of the file.
func (s *Store) scan(visit func(store.Item) error) error {
	return s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(itemsBucket).ForEach(func(_, v []byte) error {
			item, err := decodeItem(&s.items, v)
			if err != nil {
				return err
			}
			return visit(item)
		})
	})
}
