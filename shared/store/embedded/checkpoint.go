package embedded

import (
	"context"

	"github.com/payhook/payhook/shared/store"
)

func (s *Store) Checkpoint(_ context.Context, provider string) (store.Checkpoint, error) {
	item, err := s.get(store.CheckpointKey(provider))
	if err != nil {
		return store.Checkpoint{}, err
	}
	return store.DecodeCheckpoint(item)
}

func (s *Store) SaveCheckpoint(ctx context.Context, c store.Checkpoint) error {
	return s.commit(ctx, OpSaveCheckpoint, write{item: store.CheckpointItem(c), check: func(store.Item) error { return nil }})
}
