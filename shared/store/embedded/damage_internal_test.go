package embedded

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/matryer/is"
	bolt "go.etcd.io/bbolt"

	"github.com/payhook/payhook/shared/store"
)

// TestAPanicIsToldByWhereItWasRaised: bbolt's own code panicking (as on
// a damaged page) is told from code that bbolt runs panicking (a
// transaction's function, a callback), and the stack is kept.
func TestAPanicIsToldByWhereItWasRaised(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "bolt.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket(itemsBucket); return err }); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		fn      func(*bolt.Tx) error
		inBbolt bool
	}{
		{"bbolt's own code", func(*bolt.Tx) error {
			var missing *bolt.Bucket
			missing.Get([]byte("key"))
			return nil
		}, true},
		{"the transaction's function", func(*bolt.Tx) error {
			_ = outOfRange(nil)
			return nil
		}, false},
		{"a function bbolt calls back", func(tx *bolt.Tx) error {
			return tx.ForEach(func([]byte, *bolt.Bucket) error { panic("a bug") })
		}, false},
		{"a read faulting on memory no longer mapped, as a damaged key's length makes it", func(*bolt.Tx) error {
			page, err := syscall.Mmap(-1, 0, 4096, syscall.PROT_READ, syscall.MAP_ANON|syscall.MAP_PRIVATE)
			if err != nil {
				return err
			}
			if err := syscall.Munmap(page); err != nil {
				return err
			}
			_ = bytes.Clone(page)
			return nil
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			err := db.View(guard(tc.fn))
			var found *damageFound
			is.True(errors.As(err, &found))
			var p *panicError
			is.True(errors.As(found.problem, &p))
			is.Equal(p.inBbolt, tc.inBbolt)
			is.True(strings.Contains(string(p.stack), "TestAPanicIsToldByWhereItWasRaised"))
		})
	}
}

// TestAPanicInAWriteLeavesNothingOfIt: a write transaction in which code
// panics is never used on: the guard returns an error and bbolt rolls it
// back, so nothing it wrote (items, the feed's sequence) is kept, the
// free list is rebuilt, and the store goes on writing, every page whole.
func TestAPanicInAWriteLeavesNothingOfIt(t *testing.T) {
	is := is.New(t)
	s, err := Open(filepath.Join(t.TempDir(), "payhook.db"), Options{})
	is.NoErr(err)
	defer s.Close()
	err = s.update(OpTransaction, func(tx *bolt.Tx) error {
		for i := range 500 { // enough to split pages
			if err := tx.Bucket(itemsBucket).Put([]byte(fmt.Sprintf("key-%04d", i)), bytes.Repeat([]byte("v"), 100)); err != nil {
				return err
			}
		}
		if _, err := tx.Bucket(changesBucket).NextSequence(); err != nil {
			return err
		}
		_ = outOfRange(nil)
		return nil
	})
	is.True(err != nil)
	is.True(!errors.Is(err, ErrDamaged))
	is.NoErr(s.view(func(tx *bolt.Tx) error {
		is.Equal(tx.Bucket(itemsBucket).Stats().KeyN, 0)
		is.Equal(tx.Bucket(changesBucket).Sequence(), uint64(0))
		return nil
	}))
	_, err = s.PutWebhook(context.Background(), store.Webhook{Provider: "stripe", EventID: "evt_after", EventType: "charge.succeeded", Body: []byte(`{}`),
		Status: store.StatusReceived, ReceivedAt: time.Now().UTC(), ExpiresAt: time.Now().Add(time.Hour)})
	is.NoErr(err)
	report, err := s.Check(context.Background(), true)
	is.NoErr(err)
	is.Equal(report.Damage, nil)
}

// outOfRange is a bug: it reads past the end of ids.
func outOfRange(ids []string) string { return ids[len(ids)] }
