// Package pebblestore is a prototype of the embedded store on Pebble
// (a log-structured engine: a write-ahead log with group commit, no page
// copies), far enough to measure the receiver's durable writes against
// bbolt's behind the store contract's webhook part (issue 28). It is not
// wired anywhere: it lives in tools/storebench, a module of its own, so
// that payhook's go.mod does not carry Pebble for a measurement
// (docs/decisions.md, The embedded store stays on bbolt).
package pebblestore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/cockroachdb/pebble/v2"

	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/itemjson"
)

// Store keeps items, their expiry index and a change record per insert,
// as the embedded store does.
type Store struct {
	db *pebble.DB
	// mu makes each insert's check and write one step; the write's fsync
	// is waited for outside it, so that concurrent inserts share fsyncs.
	mu    sync.Mutex
	seq   uint64
	items itemjson.Decoder
}

// Open opens or creates the store in dir.
func Open(dir string) (*Store, error) {
	db, err := pebble.Open(dir, &pebble.Options{})
	if err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// Close closes it.
func (s *Store) Close() error { return s.db.Close() }

func itemKey(pk, sk string) []byte { return []byte("i" + pk + "\x00" + sk) }

func changeKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte("c"), seq)
}

func expiryKey(item store.Item, key []byte) []byte {
	at, _ := strconv.ParseInt(item[store.AttrExpiresAt].Number(), 10, 64)
	return append(fmt.Appendf([]byte("e"), "%020d", at), key...)
}

type pending struct {
	item         store.Item
	key, encoded []byte
}

func encode(item store.Item) (pending, error) {
	if err := store.CheckKeys(item); err != nil {
		return pending{}, err
	}
	return pending{item, itemKey(item[store.AttrPK].String(), item[store.AttrSK].String()), itemjson.Marshal(item)}, nil
}

// insert writes the items not stored yet, each with its change record and
// expiry entry, durably; current has each stored item's bytes, nil for
// the new ones.
func (s *Store) insert(ctx context.Context, all []pending) (current [][]byte, err error) {
	if err := ctx.Err(); err != nil {
		return nil, store.Unavailable(err)
	}
	batch := s.db.NewBatch()
	defer func() { _ = batch.Close() }()
	current = make([][]byte, len(all))
	written := map[string]bool{}
	s.mu.Lock()
	for i, p := range all {
		if written[string(p.key)] {
			current[i] = p.encoded
			continue
		}
		v, closer, err := s.db.Get(p.key)
		switch {
		case err == nil:
			current[i] = append([]byte(nil), v...)
			_ = closer.Close()
			continue
		case !errors.Is(err, pebble.ErrNotFound):
			s.mu.Unlock()
			return nil, store.Unavailable(err)
		}
		written[string(p.key)] = true
		s.seq++
		change := append(append(append([]byte{'I'}, p.key...), 0), p.encoded...)
		for _, kv := range [][2][]byte{{p.key, p.encoded}, {changeKey(s.seq), change}, {expiryKey(p.item, p.key), nil}} {
			if err := batch.Set(kv[0], kv[1], nil); err != nil {
				s.mu.Unlock()
				return nil, store.Unavailable(err)
			}
		}
	}
	if batch.Empty() {
		s.mu.Unlock()
		// Only stored items: what was read may still be on its way to the
		// disk; wait for it, as for one of our own.
		return current, s.db.LogData(nil, pebble.Sync)
	}
	err = s.db.ApplyNoSyncWait(batch, pebble.Sync)
	s.mu.Unlock()
	if err == nil {
		err = batch.SyncWait()
	}
	if err != nil {
		return nil, store.Unavailable(err)
	}
	return current, nil
}

// PutWebhook stores w unless stored.
func (s *Store) PutWebhook(ctx context.Context, w store.Webhook) (bool, error) {
	item, err := store.WebhookItem(w)
	if err != nil {
		return false, err
	}
	p, err := encode(item)
	if err != nil {
		return false, err
	}
	current, err := s.insert(ctx, []pending{p})
	if err != nil {
		return false, err
	}
	return current[0] == nil, nil
}

// PutWebhooks stores the webhooks of ws not stored yet, in one batch.
func (s *Store) PutWebhooks(ctx context.Context, ws []store.Webhook) ([]bool, error) {
	all := make([]pending, len(ws))
	for i, w := range ws {
		item, err := store.WebhookItem(w)
		if err != nil {
			return nil, err
		}
		if all[i], err = encode(item); err != nil {
			return nil, err
		}
	}
	current, err := s.insert(ctx, all)
	if err != nil {
		return nil, err
	}
	created := make([]bool, len(ws))
	for i := range ws {
		created[i] = current[i] == nil
	}
	return created, nil
}

// BindTransmission binds the transmission to its first body.
func (s *Store) BindTransmission(ctx context.Context, b store.Binding) (bool, error) {
	p, err := encode(store.TransmissionItem(b))
	if err != nil {
		return false, err
	}
	current, err := s.insert(ctx, []pending{p})
	if err != nil || current[0] == nil {
		return err == nil, err
	}
	stored, err := s.items.Unmarshal(current[0])
	if err != nil {
		return false, err
	}
	return store.SameBody(stored, b)
}

// GetWebhook reads one webhook.
func (s *Store) GetWebhook(_ context.Context, provider, eventID string) (store.Webhook, error) {
	v, closer, err := s.db.Get(itemKey(store.WebhookKey(provider, eventID)))
	if errors.Is(err, pebble.ErrNotFound) {
		return store.Webhook{}, store.ErrNotFound
	}
	if err != nil {
		return store.Webhook{}, store.Unavailable(err)
	}
	defer func() { _ = closer.Close() }()
	item, err := s.items.Unmarshal(v)
	if err != nil {
		return store.Webhook{}, err
	}
	return store.DecodeWebhook(item)
}
