package embedded

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/matryer/is"
	bolt "go.etcd.io/bbolt"
)

// linksOf checks the links of the file at path, opened read only.
func linksOf(t *testing.T, path string) pageLinks {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var found pageLinks
	if err := db.View(func(tx *bolt.Tx) error { found = links(tx, time.Now().Add(time.Minute)); return nil }); err != nil {
		t.Fatal(err)
	}
	return found
}

// TestTheLinksOfEveryWholeFileHold: files bbolt wrote, of every page
// size, with nested, inline, emptied and deleted buckets and values that
// run over many pages, with and without a free list written, are never
// called damaged.
func TestTheLinksOfEveryWholeFileHold(t *testing.T) {
	for _, pageSize := range []int{512, 4096, 65536} {
		for _, noFreelistSync := range []bool{false, true} {
			t.Run(fmt.Sprintf("pages of %d, free list written %v", pageSize, !noFreelistSync), func(t *testing.T) {
				is := is.New(t)
				rng := rand.New(rand.NewPCG(uint64(pageSize), 1)) //nolint:gosec // G115: a positive page size
				path := filepath.Join(t.TempDir(), "bolt.db")
				db, err := bolt.Open(path, 0o600, &bolt.Options{PageSize: pageSize, NoFreelistSync: noFreelistSync, NoSync: true})
				is.NoErr(err)
				for round := range 20 {
					is.NoErr(db.Update(func(tx *bolt.Tx) error {
						top, err := tx.CreateBucketIfNotExists(fmt.Appendf(nil, "part-%d", rng.IntN(5)))
						if err != nil {
							return err
						}
						nested, err := top.CreateBucketIfNotExists(fmt.Appendf(nil, "nested-%d", rng.IntN(3)))
						if err != nil {
							return err
						}
						if _, err := top.CreateBucketIfNotExists([]byte("empty")); err != nil {
							return err
						}
						for i := range rng.IntN(400) {
							value := bytes.Repeat([]byte{byte(i)}, rng.IntN(64))
							if i%97 == 0 {
								value = bytes.Repeat([]byte{1}, 40_000) // over many pages
							}
							if err := nested.Put(fmt.Appendf(nil, "k-%d-%d", round, i), value); err != nil {
								return err
							}
							if err := top.Put(fmt.Appendf(nil, "t-%d", rng.IntN(300)), value[:min(len(value), 8)]); err != nil {
								return err
							}
						}
						if round%4 == 3 {
							_ = tx.DeleteBucket(fmt.Appendf(nil, "part-%d", rng.IntN(5)))
						}
						return nil
					}))
				}
				is.NoErr(db.Close())
				found := linksOf(t, path)
				is.True(found.finished)
				is.NoErr(found.root)
				for name, err := range found.parts {
					if err != nil {
						t.Errorf("%s: %v", name, err)
					}
				}
			})
		}
	}
}

// twoParts writes a file of buckets a and b, each with a branch at its
// root, and returns its path, its page size and each bucket's root page.
func twoParts(t *testing.T, value []byte) (path string, pageSize int, roots map[string]uint64) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "bolt.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	roots = map[string]uint64{}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"a", "b"} {
			b, err := tx.CreateBucket([]byte(name))
			if err != nil {
				return err
			}
			for i := range 2000 {
				if err := b.Put(fmt.Appendf(nil, "%s-%05d", name, i), value); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		pageSize = tx.DB().Info().PageSize
		for _, name := range []string{"a", "b"} {
			roots[name] = uint64(tx.Bucket([]byte(name)).Root())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path, pageSize, roots
}

// TestALinkIntoAnotherPartBlamesBoth: a damaged link in a that reaches a
// page of b's makes both parts damaged, not b alone (which is whole) with
// a read whole holding b's keys.
func TestALinkIntoAnotherPartBlamesBoth(t *testing.T) {
	is := is.New(t)
	path, pageSize, roots := twoParts(t, bytes.Repeat([]byte("v"), 100))
	raw, err := os.ReadFile(path)
	is.NoErr(err)
	page := func(id uint64) []byte { return raw[int(id)*pageSize : int(id+1)*pageSize] } //nolint:gosec // G115: a test's small file
	bFirstChild := binary.NativeEndian.Uint64(page(roots["b"])[pageHeaderSize+8:])
	binary.NativeEndian.PutUint64(page(roots["a"])[pageHeaderSize+8:], bFirstChild)
	is.NoErr(os.WriteFile(path, raw, 0o600))

	found := linksOf(t, path)
	is.True(found.parts["a"] != nil)
	is.True(found.parts["b"] != nil)
}

// TestOverlappingBucketsDoNotMultiplyMemory: a page whose elements all
// claim to be buckets over the same bytes (a leaf running over many
// pages, 60,000 elements) is damage found with memory bounded by the
// page, never a copy of the page per element.
func TestOverlappingBucketsDoNotMultiplyMemory(t *testing.T) {
	for _, root := range []uint64{0, 3} { // inline, and a page of its own
		t.Run(fmt.Sprintf("root %d", root), func(t *testing.T) {
			is := is.New(t)
			path := filepath.Join(t.TempDir(), "bolt.db")
			db, err := bolt.Open(path, 0o600, nil)
			is.NoErr(err)
			var rootID uint64
			var pageSize int
			is.NoErr(db.Update(func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket([]byte("a"))
				if err != nil {
					return err
				}
				return b.Put([]byte("large"), bytes.Repeat([]byte("v"), 1<<20)) // a leaf over many pages
			}))
			is.NoErr(db.View(func(tx *bolt.Tx) error {
				rootID, pageSize = uint64(tx.Bucket([]byte("a")).Root()), tx.DB().Info().PageSize
				return nil
			}))
			is.NoErr(db.Close())
			raw, err := os.ReadFile(path)
			is.NoErr(err)
			leaf := int(rootID) * pageSize //nolint:gosec // G115: a test's small file
			size := (int(binary.NativeEndian.Uint32(raw[leaf+12:])) + 1) * pageSize
			is.True(size >= 1<<20)
			const count = 60_000
			binary.NativeEndian.PutUint16(raw[leaf+8:], leafPageFlag)
			binary.NativeEndian.PutUint16(raw[leaf+10:], count)
			data := pageHeaderSize + count*pageElementSize
			binary.NativeEndian.PutUint64(raw[leaf+data:], root)
			for i := range count {
				at := pageHeaderSize + i*pageElementSize
				element := raw[leaf+at:]
				binary.NativeEndian.PutUint32(element, bucketLeafFlag)
				binary.NativeEndian.PutUint32(element[4:], uint32(data-at))    //nolint:gosec // G115: within the page
				binary.NativeEndian.PutUint32(element[8:], 0)                  // no key
				binary.NativeEndian.PutUint32(element[12:], uint32(size-data)) //nolint:gosec // G115: within the page
			}
			is.NoErr(os.WriteFile(path, raw, 0o600))

			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			found := linksOf(t, path)
			runtime.ReadMemStats(&after)
			is.True(found.parts["a"] != nil)
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d MB allocated checking a page of %d MB", allocated>>20, size>>20)
			is.True(allocated < 64<<20)
		})
	}
}
