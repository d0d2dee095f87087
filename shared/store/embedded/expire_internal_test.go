package embedded

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/matryer/is"
	bolt "go.etcd.io/bbolt"

	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/itemjson"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "p.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// received is a RECEIVED webhook expiring at expires.
func received(expires time.Time) store.Webhook {
	return store.Webhook{Provider: "stripe", EventID: "evt_1", EventType: "charge.succeeded", Body: []byte(`{}`), Status: store.StatusReceived, ReceivedAt: time.Now(), ExpiresAt: expires}
}

// A file written before the expiry index existed is indexed when opened,
// so what it holds still expires.
func TestAFileWithoutTheExpiryIndexIsIndexedOnOpen(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	s, err := Open(path, Options{})
	is.NoErr(err)
	expires := time.Now().Add(time.Hour).Truncate(time.Second)
	_, err = s.PutWebhook(ctx, received(expires))
	is.NoErr(err)
	is.NoErr(s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(expiryBucket) }))
	is.NoErr(s.Close())

	s, err = Open(path, Options{})
	is.NoErr(err)
	defer s.Close()
	n, err := s.Expire(ctx, expires.Add(time.Second))
	is.NoErr(err)
	is.Equal(n, 1)
}

// An entry the item no longer agrees with (the item rewritten by a payhook
// that kept no index) must not delete it: the item's own expires_at
// decides.
func TestAStaleExpiryEntryDeletesNothing(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	s := openTemp(t)
	now := time.Now().Truncate(time.Second)
	w := received(now.Add(time.Hour))
	_, err := s.PutWebhook(ctx, w)
	is.NoErr(err)
	w.ExpiresAt = now.Add(30 * 24 * time.Hour)
	later, err := store.WebhookItem(w)
	is.NoErr(err)
	is.NoErr(s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(itemsBucket).Put(itemKey(later[store.AttrPK].String(), later[store.AttrSK].String()), itemjson.Marshal(later))
	}))

	n, err := s.Expire(ctx, now.Add(2*time.Hour))
	is.NoErr(err)
	is.Equal(n, 0)
	_, err = s.GetWebhook(ctx, "stripe", "evt_1")
	is.NoErr(err) // still there
	n, err = s.Expire(ctx, w.ExpiresAt.Add(time.Second))
	is.NoErr(err)
	is.Equal(n, 1) // and expires when it says
}

// Two writes of one key in one commit: the second sees the first, and the
// item expires when the last one says.
func TestWritesOfOneKeyInOneCommitSeeEachOther(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	s := openTemp(t)
	now := time.Now().Truncate(time.Second)
	w := received(now.Add(2 * time.Hour))
	first, err := store.WebhookItem(w)
	is.NoErr(err)
	w.Status, w.ExpiresAt = store.StatusProcessed, now.Add(30*24*time.Hour)
	second, err := store.WebhookItem(w)
	is.NoErr(err)
	absent := func(current store.Item) error {
		if current != nil {
			return store.ErrRejected
		}
		return nil
	}
	is.NoErr(s.commit(ctx, OpTransaction, write{item: first, check: absent}, write{item: second, check: statusIs(store.StatusReceived)}))

	n, err := s.Expire(ctx, now.Add(3*time.Hour))
	is.NoErr(err)
	is.Equal(n, 0)
	got, err := s.GetWebhook(ctx, "stripe", "evt_1")
	is.NoErr(err)
	is.Equal(got.Status, store.StatusProcessed)
	n, err = s.Expire(ctx, w.ExpiresAt.Add(time.Second))
	is.NoErr(err)
	is.Equal(n, 1)
}
