package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
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

// TestPagesLinkedWrongAreDamageNotAHang: bbolt follows its pages' links
// as written, so a damaged link that leads back up the tree sends its
// cursor round for ever, allocating until the machine runs out of
// memory, and a damaged length hands out a key gigabytes long. Open
// checks every link first and names each such store damaged, at once.
func TestPagesLinkedWrongAreDamageNotAHang(t *testing.T) {
	for _, tc := range []struct {
		name    string
		damage  func(root []byte, rootID uint64, pages uint64)
		problem string
	}{
		{"a branch linked to itself", func(root []byte, rootID, _ uint64) {
			binary.NativeEndian.PutUint64(root[pageHeaderSize+8:], rootID)
		}, "is reached twice"},
		{"a branch linked to a page beyond the file", func(root []byte, _, pages uint64) {
			binary.NativeEndian.PutUint64(root[pageHeaderSize+pageElementSize+8:], pages+7)
		}, "beyond the file's"},
		{"a branch of no elements", func(root []byte, _, _ uint64) {
			binary.NativeEndian.PutUint16(root[10:], 0)
		}, "a branch to nothing"},
		{"a key gigabytes long", func(root []byte, _, _ uint64) {
			binary.NativeEndian.PutUint32(root[pageHeaderSize+4:], 1<<31)
		}, "runs past its end"},
		{"a page that runs on beyond the file", func(root []byte, _, pages uint64) {
			binary.NativeEndian.PutUint32(root[12:], uint32(pages)) //nolint:gosec // G115: a test's store of a few pages
		}, "runs "},
		{"a page that says it is another", func(root []byte, rootID, _ uint64) {
			binary.NativeEndian.PutUint64(root, rootID+1)
		}, "says it is page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			path := filepath.Join(t.TempDir(), "payhook.db")
			s, err := Open(path, Options{})
			is.NoErr(err)
			is.NoErr(s.update(OpTransaction, func(tx *bolt.Tx) error {
				for i := range 2000 { // enough for a branch at the root
					if err := tx.Bucket(itemsBucket).Put(fmt.Appendf(nil, "key-%05d", i), bytes.Repeat([]byte("v"), 100)); err != nil {
						return err
					}
				}
				return nil
			}))
			var rootID uint64
			var pageSize int
			var pages uint64
			is.NoErr(s.view(func(tx *bolt.Tx) error {
				rootID, pageSize = uint64(tx.Bucket(itemsBucket).Root()), tx.DB().Info().PageSize
				pages = uint64(tx.Size() / int64(pageSize)) //nolint:gosec // G115: a size is never negative
				return nil
			}))
			is.NoErr(s.Close())
			raw, err := os.ReadFile(path)
			is.NoErr(err)
			at := int(rootID) * pageSize //nolint:gosec // G115: a page of a test's small store
			root := raw[at : at+pageSize]
			is.Equal(binary.NativeEndian.Uint16(root[8:]), uint16(branchPageFlag)) // the test's premise
			tc.damage(root, rootID, pages)
			is.NoErr(os.WriteFile(path, raw, 0o600))

			_, err = Open(path, Options{})
			var damage *DamagedError
			is.True(errors.As(err, &damage))
			is.True(strings.Contains(err.Error(), "webhooks and payments: "))
			is.True(strings.Contains(err.Error(), tc.problem))
		})
	}
}
