// Package memory is a store.Webhooks held in a map: for benchmarks that
// measure the receiver without a disk, and nothing durable.
package memory

import (
	"context"
	"sync"

	"github.com/payhook/payhook/shared/store"
)

// Store keeps webhook items in memory, encoded as the other adapters do.
type Store struct {
	mu    sync.Mutex
	items map[string]store.Item
}

func New() *Store { return &Store{items: map[string]store.Item{}} }

func (s *Store) PutWebhook(ctx context.Context, w store.Webhook) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, store.Unavailable(err)
	}
	item, err := store.WebhookItem(w)
	if err != nil {
		return false, err
	}
	if err := store.CheckKeys(item); err != nil {
		return false, err
	}
	pk, _ := store.WebhookKey(w.Provider, w.EventID)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.items[pk]; exists {
		return false, nil
	}
	s.items[pk] = item
	return true, nil
}

// PutWebhooks checks every item before it takes the lock, and stores the
// new ones under it: all of them or, on error, none.
func (s *Store) PutWebhooks(ctx context.Context, ws []store.Webhook) ([]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, store.Unavailable(err)
	}
	items := make([]store.Item, len(ws))
	for i, w := range ws {
		item, err := store.WebhookItem(w)
		if err != nil {
			return nil, err
		}
		if err := store.CheckKeys(item); err != nil {
			return nil, err
		}
		items[i] = item
	}
	created := make([]bool, len(ws))
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, item := range items {
		pk := item[store.AttrPK].String()
		if _, exists := s.items[pk]; exists {
			continue
		}
		s.items[pk] = item
		created[i] = true
	}
	return created, nil
}

func (s *Store) BindTransmission(ctx context.Context, b store.Binding) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, store.Unavailable(err)
	}
	item := store.TransmissionItem(b)
	if err := store.CheckKeys(item); err != nil {
		return false, err
	}
	pk, _ := store.TransmissionKey(b.Provider, b.Transmission)
	s.mu.Lock()
	defer s.mu.Unlock()
	if stored, exists := s.items[pk]; exists {
		return store.SameBody(stored, b)
	}
	s.items[pk] = item
	return true, nil
}

func (s *Store) GetWebhook(_ context.Context, provider, eventID string) (store.Webhook, error) {
	pk, _ := store.WebhookKey(provider, eventID)
	s.mu.Lock()
	item, ok := s.items[pk]
	s.mu.Unlock()
	if !ok {
		return store.Webhook{}, store.ErrNotFound
	}
	return store.DecodeWebhook(item)
}

func (s *Store) Checkpoint(_ context.Context, provider string) (store.Checkpoint, error) {
	pk, _ := store.CheckpointKey(provider)
	s.mu.Lock()
	item, ok := s.items[pk]
	s.mu.Unlock()
	if !ok {
		return store.Checkpoint{}, store.ErrNotFound
	}
	return store.DecodeCheckpoint(item)
}

func (s *Store) SaveCheckpoint(ctx context.Context, c store.Checkpoint) error {
	if err := ctx.Err(); err != nil {
		return store.Unavailable(err)
	}
	pk, _ := store.CheckpointKey(c.Provider)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items[pk] = store.CheckpointItem(c)
	return nil
}
