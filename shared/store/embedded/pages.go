package embedded

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bbolt trusts the links between its pages: a damaged link that leads
// back up a tree sends its cursor, and its rebuild of the free list on
// open, round for ever, allocating as it goes until the machine runs out
// of memory; a damaged element's length hands out a key gigabytes long.
// Neither is a panic to recover. So before bbolt follows a link, links
// reads the file's pages itself and checks each is reached once, lies
// within the file, is the kind its parent says, and holds its elements.

// The page layout bbolt writes (go.etcd.io/bbolt/internal/common), in
// the machine's byte order: a 16-byte header (id, flags, count,
// overflow), then count 16-byte elements.
const (
	pageHeaderSize  = 16
	pageElementSize = 16
	branchPageFlag  = 0x01
	leafPageFlag    = 0x02
	bucketLeafFlag  = 0x01
	// bucketHeaderSize: a bucket's value starts with its root page and
	// sequence; a bucket with root 0 is inline, its one page following.
	bucketHeaderSize = 16
)

// pageLinks is what a check of the links found: a problem with the root
// tree, which lists the parts, or else each part's problem, by name.
type pageLinks struct {
	root     error
	parts    map[string]error
	finished bool
}

// pageReader reads one read transaction's pages from its file.
type pageReader struct {
	file      *os.File
	pageSize  int
	pages     uint64 // the transaction's high-water mark
	reached   []bool
	deadline  time.Time
	pagesRead int
	// buffer holds the page last read: a page is done with before the
	// next is read.
	buffer []byte
}

// errOutOfTime: the check ran out of time; what it checked is sound.
var errOutOfTime = errors.New("out of time")

// links checks every page tx's trees reach, until deadline.
func links(tx *bolt.Tx, deadline time.Time) pageLinks {
	file, err := os.Open(tx.DB().Path())
	if err != nil {
		return pageLinks{root: err}
	}
	defer func() { _ = file.Close() }() // read only
	r := &pageReader{file: file, pageSize: tx.DB().Info().PageSize, deadline: deadline}
	r.pages = uint64(tx.Size() / int64(r.pageSize)) //nolint:gosec // G115: a size is never negative
	if info, err := file.Stat(); err != nil {
		return pageLinks{root: err}
	} else if info.Size() < tx.Size() {
		return pageLinks{root: fmt.Errorf("the file is %d bytes, shorter than its %d pages", info.Size(), r.pages)}
	}
	r.reached = make([]bool, r.pages)
	r.reached[0], r.reached[1] = true, true // the meta pages
	found := pageLinks{parts: map[string]error{}}
	var buckets []bucketPages
	found.root = r.tree(bucketPages{root: uint64(tx.Cursor().Bucket().Root())}, func(b bucketPages) {
		buckets = append(buckets, b)
	})
	if errors.Is(found.root, errOutOfTime) {
		return pageLinks{}
	}
	if found.root != nil {
		found.finished = true
		return found
	}
	for _, b := range buckets {
		nested := []bucketPages{b}
		for len(nested) > 0 && found.parts[b.name] == nil {
			next := nested[len(nested)-1]
			nested = nested[:len(nested)-1]
			found.parts[b.name] = r.tree(next, func(b bucketPages) { nested = append(nested, b) })
		}
		if errors.Is(found.parts[b.name], errOutOfTime) {
			return pageLinks{}
		}
	}
	found.finished = true
	return found
}

// bucketPages is a bucket's name and root page, or its one page inline
// when root is 0.
type bucketPages struct {
	name   string
	root   uint64
	inline []byte
}

// tree checks the pages of b, calling bucket for each bucket they hold.
func (r *pageReader) tree(b bucketPages, bucket func(bucketPages)) error {
	if b.root == 0 {
		if err := elements(b.inline, leafPageFlag, func([]byte, []byte, uint32) error { return nil }); err != nil {
			return fmt.Errorf("its page, inline: %w", err)
		}
		return nil
	}
	stack := []uint64{b.root}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		page, err := r.page(id)
		if err != nil {
			return err
		}
		flags := binary.NativeEndian.Uint16(page[8:])
		if flags != branchPageFlag && flags != leafPageFlag {
			return fmt.Errorf("page %d is neither a branch nor a leaf (flags %#x)", id, flags)
		}
		err = elements(page, flags, func(key, value []byte, elementFlags uint32) error {
			switch {
			case flags == branchPageFlag:
				stack = append(stack, binary.NativeEndian.Uint64(value))
			case elementFlags&bucketLeafFlag == 0:
			case len(value) < bucketHeaderSize:
				return fmt.Errorf("a bucket of %d bytes", len(value))
			default:
				bucket(bucketPages{name: string(key), root: binary.NativeEndian.Uint64(value), inline: bytes.Clone(value[bucketHeaderSize:])})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("page %d: %w", id, err)
		}
	}
	return nil
}

// elements calls fn with each element of page: for a branch page, its
// key and its child's id as value.
func elements(page []byte, flags uint16, fn func(key, value []byte, flags uint32) error) error {
	if len(page) < pageHeaderSize {
		return fmt.Errorf("%d bytes, less than a page's header", len(page))
	}
	if got := binary.NativeEndian.Uint16(page[8:]); got != flags {
		return fmt.Errorf("flags %#x where %#x belong", got, flags)
	}
	count := int(binary.NativeEndian.Uint16(page[10:]))
	if count == 0 && flags == branchPageFlag {
		return errors.New("a branch to nothing")
	}
	if pageHeaderSize+count*pageElementSize > len(page) {
		return fmt.Errorf("%d elements do not fit in its %d bytes", count, len(page))
	}
	for i := range count {
		at := pageHeaderSize + i*pageElementSize
		element := page[at : at+pageElementSize]
		if flags == branchPageFlag {
			pos, keySize := uint64(binary.NativeEndian.Uint32(element)), uint64(binary.NativeEndian.Uint32(element[4:]))
			if uint64(at)+pos+keySize > uint64(len(page)) {
				return fmt.Errorf("element %d's key runs past its end", i)
			}
			if err := fn(page[uint64(at)+pos:uint64(at)+pos+keySize], element[8:16], 0); err != nil {
				return err
			}
			continue
		}
		elementFlags := binary.NativeEndian.Uint32(element)
		pos, keySize, valueSize := uint64(binary.NativeEndian.Uint32(element[4:])), uint64(binary.NativeEndian.Uint32(element[8:])), uint64(binary.NativeEndian.Uint32(element[12:]))
		start := uint64(at) + pos
		if start+keySize+valueSize > uint64(len(page)) {
			return fmt.Errorf("element %d's key and value run past its end", i)
		}
		if err := fn(page[start:start+keySize], page[start+keySize:start+keySize+valueSize], elementFlags); err != nil {
			return err
		}
	}
	return nil
}

// page reads page id with its overflow, once: a page reached twice is a
// link gone wrong, and may be a loop.
func (r *pageReader) page(id uint64) ([]byte, error) {
	if r.pagesRead++; r.pagesRead%1024 == 0 && time.Now().After(r.deadline) {
		return nil, errOutOfTime
	}
	if id >= r.pages {
		return nil, fmt.Errorf("a link to page %d, beyond the file's %d pages", id, r.pages)
	}
	if r.reached[id] {
		return nil, fmt.Errorf("page %d is reached twice: its links may loop", id)
	}
	// Below r.pages, id and overflow count pages within the file.
	at := int64(id) * int64(r.pageSize) //nolint:gosec // G115: see above
	page := r.sized(r.pageSize)
	if _, err := r.file.ReadAt(page, at); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if got := binary.NativeEndian.Uint64(page); got != id {
		return nil, fmt.Errorf("page %d says it is page %d", id, got)
	}
	overflow := uint64(binary.NativeEndian.Uint32(page[12:]))
	if id+overflow >= r.pages {
		return nil, fmt.Errorf("page %d runs %d pages on, beyond the file's %d", id, overflow, r.pages)
	}
	for next := id; next <= id+overflow; next++ {
		if r.reached[next] {
			return nil, fmt.Errorf("page %d is reached twice: its links may loop", next)
		}
		r.reached[next] = true
	}
	if overflow > 0 {
		page = r.sized(int(overflow+1) * r.pageSize) //nolint:gosec // G115: see above
		if _, err := r.file.ReadAt(page, at); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// sized is the buffer, size bytes long.
func (r *pageReader) sized(size int) []byte {
	if cap(r.buffer) < size {
		r.buffer = make([]byte, size)
	}
	return r.buffer[:size]
}
