package embedded

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/matryer/is"
	bolt "go.etcd.io/bbolt"

	"github.com/payhook/payhook/shared/store"
)

// A file written before the expiry index existed is indexed when opened,
// so what it holds still expires.
func TestAFileWithoutTheExpiryIndexIsIndexedOnOpen(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	s, err := Open(path, Options{})
	is.NoErr(err)
	expires := time.Now().Add(time.Hour).Truncate(time.Second)
	_, err = s.PutWebhook(ctx, store.Webhook{Provider: "stripe", EventID: "evt_1", EventType: "charge.succeeded", Body: []byte(`{}`), Status: store.StatusReceived, ReceivedAt: time.Now(), ExpiresAt: expires})
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
