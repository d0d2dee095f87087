package embedded

import (
	"context"
	"encoding/json"

	bolt "go.etcd.io/bbolt"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/store"
)

func (s *Store) ListWebhooks(_ context.Context, filter store.WebhookFilter) ([]store.Webhook, error) {
	var out []store.Webhook
	err := s.scan(func(item store.Item) error {
		if store.KindOf(item) != store.KindWebhook {
			return nil
		}
		w, err := store.DecodeWebhook(item)
		if err != nil {
			return err
		}
		if filter.Matches(w) {
			out = append(out, w)
		}
		return nil
	})
	return out, err
}

func (s *Store) ListPayments(context.Context) ([]payment.State, error) {
	var out []payment.State
	err := s.scan(func(item store.Item) error {
		if store.KindOf(item) != store.KindPayment {
			return nil
		}
		p, err := store.DecodePayment(item)
		if err == nil {
			out = append(out, p)
		}
		return err
	})
	return out, err
}

func (s *Store) scan(visit func(store.Item) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(itemsBucket).ForEach(func(_, v []byte) error {
			var item store.Item
			if err := json.Unmarshal(v, &item); err != nil {
				return err
			}
			return visit(item)
		})
	})
}
