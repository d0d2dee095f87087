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
// It reads only what it checks (a page's header and elements, a bucket's
// header), so what it holds in memory is bounded by one page's elements
// and one entry per page of the file, however the file lies.

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
	// maxPartNameSize and maxParts bound the top-level buckets' names
	// read: bbolt's own key limit, and far more parts than payhook has.
	maxPartNameSize = bolt.MaxKeySize
	maxParts        = 1024
)

// pageLinks is what a check of the links found: a problem with the root
// tree, which lists the parts, or else each part's problem, by name.
type pageLinks struct {
	root     error
	parts    map[string]error
	finished bool
}

// errOutOfTime: the check ran out of time; what it checked is sound.
var errOutOfTime = errors.New("out of time")

// rootTree owns the root tree's pages in pageReader.owner; part i's are
// owned by firstPart+i.
const (
	rootTree  = 1
	firstPart = 2
)

// links checks every page tx's trees reach, until deadline.
func links(tx *bolt.Tx, deadline time.Time) pageLinks {
	file, err := os.Open(tx.DB().Path())
	if err != nil {
		return pageLinks{root: err}
	}
	defer func() { _ = file.Close() }()                                                         // read only
	r := &pageReader{file: file, pageSize: uint64(tx.DB().Info().PageSize), deadline: deadline} //nolint:gosec // G115: a page size is positive
	r.pages = uint64(tx.Size()) / r.pageSize                                                    //nolint:gosec // G115: a size is never negative
	if info, err := file.Stat(); err != nil {
		return pageLinks{root: err}
	} else if info.Size() < tx.Size() {
		return pageLinks{root: fmt.Errorf("the file is %d bytes, shorter than its %d pages", info.Size(), r.pages)}
	}
	r.owner = make([]uint16, r.pages)
	r.owner[0], r.owner[1] = rootTree, rootTree // the meta pages
	type part struct {
		name string
		root uint64
	}
	var parts []part
	found := pageLinks{parts: map[string]error{}}
	found.root = r.tree(uint64(tx.Cursor().Bucket().Root()), rootTree, func(e pageElement, root uint64) error {
		if len(parts) == maxParts {
			return fmt.Errorf("more than %d parts", maxParts)
		}
		if e.keySize > maxPartNameSize {
			return fmt.Errorf("a part's name of %d bytes", e.keySize)
		}
		name, err := e.page.read(e.keyAt, e.keySize)
		if err != nil {
			return err
		}
		parts = append(parts, part{string(name), root})
		return nil
	})
	switch {
	case errors.Is(found.root, errOutOfTime):
		return pageLinks{}
	case found.root != nil:
		found.finished = true
		return found
	}
	for i, p := range parts {
		name, owner := p.name, uint16(firstPart+i) //nolint:gosec // G115: below maxParts
		err := r.bucket(p.root, owner)
		if errors.Is(err, errOutOfTime) {
			return pageLinks{}
		}
		var shared *sharedPage
		if errors.As(err, &shared) && shared.owner >= firstPart && shared.owner != owner {
			// Either link may be the damaged one: neither part is whole.
			other := parts[shared.owner-firstPart].name
			found.parts[other] = fmt.Errorf("page %d is reached from %q too", shared.page, name)
			err = fmt.Errorf("page %d is reached from %q too", shared.page, other)
		}
		if found.parts[name] == nil {
			found.parts[name] = err
		}
	}
	found.finished = true
	return found
}

// pageReader reads one read transaction's pages from its file.
type pageReader struct {
	file     *os.File
	pageSize uint64
	pages    uint64 // the transaction's high-water mark
	// owner is, for each page, the tree that reached it: 0 none yet.
	owner     []uint16
	deadline  time.Time
	pagesRead int
	// first holds the first page of the page last read, in one read:
	// nearly every page's header and elements lie there.
	first []byte
}

// bucket checks the tree of the bucket at root, and of the buckets it
// holds, as part's.
func (r *pageReader) bucket(root uint64, part uint16) error {
	pending := []uint64{root}
	for len(pending) > 0 {
		next := pending[len(pending)-1]
		pending = pending[:len(pending)-1]
		err := r.tree(next, part, func(_ pageElement, root uint64) error {
			// Each bucket's root is a page of its own, reached once:
			// more of them than pages is damage, not a queue to grow.
			if uint64(len(pending)) >= r.pages {
				return errors.New("more buckets than the file has pages")
			}
			pending = append(pending, root)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// tree checks the tree at root as part's, calling bucket with each
// element that is a bucket with pages of its own (an inline bucket's one
// page is checked where it lies).
func (r *pageReader) tree(root uint64, part uint16, bucket func(e pageElement, root uint64) error) error {
	stack := []uint64{root}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		page, err := r.page(id, part)
		if err != nil {
			return err
		}
		flags, elements, err := page.elements()
		if err != nil {
			return fmt.Errorf("page %d: %w", id, err)
		}
		for _, e := range elements {
			if flags == branchPageFlag {
				if uint64(len(stack)) >= r.pages {
					return fmt.Errorf("page %d: more links than the file has pages", id)
				}
				stack = append(stack, e.child)
				continue
			}
			if e.flags&bucketLeafFlag == 0 {
				continue
			}
			if err := r.bucketElement(e, bucket); err != nil {
				return fmt.Errorf("page %d: %w", id, err)
			}
		}
	}
	return nil
}

// bucketElement checks a leaf element that is a bucket: an inline one's
// page where it lies, or else hands its root to bucket.
func (r *pageReader) bucketElement(e pageElement, bucket func(e pageElement, root uint64) error) error {
	if e.valueSize < bucketHeaderSize {
		return fmt.Errorf("a bucket of %d bytes", e.valueSize)
	}
	header, err := e.page.read(e.valueAt, bucketHeaderSize)
	if err != nil {
		return err
	}
	if root := binary.NativeEndian.Uint64(header); root != 0 {
		return bucket(e, root)
	}
	// bbolt keeps a bucket inline only while it is under a quarter page.
	inlineSize := e.valueSize - bucketHeaderSize
	if inlineSize > r.pageSize {
		return fmt.Errorf("an inline bucket of %d bytes, larger than a page", inlineSize)
	}
	inline, err := e.page.read(e.valueAt+bucketHeaderSize, inlineSize)
	if err != nil {
		return err
	}
	if _, _, err := (pageBytes{src: bytes.NewReader(inline), size: inlineSize, first: inline}).elements(); err != nil {
		return fmt.Errorf("its inline bucket: %w", err)
	}
	return nil
}

// sharedPage is a page two trees reach: a link gone wrong, and maybe a
// loop.
type sharedPage struct {
	page  uint64
	owner uint16 // the tree that reached it first
}

func (e *sharedPage) Error() string {
	return fmt.Sprintf("page %d is reached twice: its links may loop", e.page)
}

// page is page id with its overflow, as part's: its header is checked,
// the rest read as needed.
func (r *pageReader) page(id uint64, part uint16) (pageBytes, error) {
	if r.pagesRead++; r.pagesRead%1024 == 0 && time.Now().After(r.deadline) {
		return pageBytes{}, errOutOfTime
	}
	if id >= r.pages {
		return pageBytes{}, fmt.Errorf("a link to page %d, beyond the file's %d pages", id, r.pages)
	}
	if owner := r.owner[id]; owner != 0 {
		return pageBytes{}, &sharedPage{page: id, owner: owner}
	}
	if r.first == nil {
		r.first = make([]byte, r.pageSize)
	}
	page := pageBytes{src: r.file, at: int64(id * r.pageSize), size: r.pageSize} //nolint:gosec // G115: below pages, within the file
	if _, err := r.file.ReadAt(r.first, page.at); err != nil {
		return pageBytes{}, err
	}
	page.first = r.first
	header := page.first[:pageHeaderSize]
	if got := binary.NativeEndian.Uint64(header); got != id {
		return pageBytes{}, fmt.Errorf("page %d says it is page %d", id, got)
	}
	overflow := uint64(binary.NativeEndian.Uint32(header[12:]))
	if id+overflow >= r.pages {
		return pageBytes{}, fmt.Errorf("page %d runs %d pages on, beyond the file's %d", id, overflow, r.pages)
	}
	for next := id; next <= id+overflow; next++ {
		if owner := r.owner[next]; owner != 0 {
			return pageBytes{}, &sharedPage{page: next, owner: owner}
		}
		r.owner[next] = part
	}
	page.size = (overflow + 1) * r.pageSize
	return page, nil
}

// pageBytes is a page, in a file or inline in a bucket's value, read a
// part at a time.
type pageBytes struct {
	src  io.ReaderAt
	at   int64
	size uint64
	// first is the page's start, already read; valid until the next
	// page is read.
	first []byte
}

// read is n bytes of the page from offset, which the caller has checked
// lie within it: valid until the next page is read.
func (p pageBytes) read(offset, n uint64) ([]byte, error) {
	if offset+n <= uint64(len(p.first)) {
		return p.first[offset : offset+n], nil
	}
	b := make([]byte, n)
	if n == 0 {
		return b, nil // ReadAt at the very end says EOF, even for nothing
	}
	if _, err := p.src.ReadAt(b, p.at+int64(offset)); err != nil { //nolint:gosec // G115: within the page
		return nil, err
	}
	return b, nil
}

// pageElement is one of a page's elements: where its key and value lie
// in the page, or a branch element's child.
type pageElement struct {
	page               pageBytes
	flags              uint32
	keyAt, keySize     uint64
	valueAt, valueSize uint64
	child              uint64
}

// elements are the page's elements, each checked to lie within it; the
// page must be a branch of at least one or a leaf.
func (p pageBytes) elements() (uint16, []pageElement, error) {
	if p.size < pageHeaderSize {
		return 0, nil, fmt.Errorf("%d bytes, less than a page's header", p.size)
	}
	header, err := p.read(0, pageHeaderSize)
	if err != nil {
		return 0, nil, err
	}
	flags, count := binary.NativeEndian.Uint16(header[8:]), uint64(binary.NativeEndian.Uint16(header[10:]))
	switch {
	case flags != branchPageFlag && flags != leafPageFlag:
		return 0, nil, fmt.Errorf("neither a branch nor a leaf (flags %#x)", flags)
	case flags == branchPageFlag && count == 0:
		return 0, nil, errors.New("a branch to nothing")
	case pageHeaderSize+count*pageElementSize > p.size:
		return 0, nil, fmt.Errorf("%d elements do not fit in its %d bytes", count, p.size)
	}
	raw, err := p.read(pageHeaderSize, count*pageElementSize)
	if err != nil {
		return 0, nil, err
	}
	elements := make([]pageElement, count)
	for i := range elements {
		at := uint64(pageHeaderSize + i*pageElementSize) //nolint:gosec // G115: i is below count
		element := raw[at-pageHeaderSize : at-pageHeaderSize+pageElementSize]
		e := &elements[i]
		e.page = p
		if flags == branchPageFlag {
			e.keyAt, e.keySize = at+uint64(binary.NativeEndian.Uint32(element)), uint64(binary.NativeEndian.Uint32(element[4:]))
			e.child = binary.NativeEndian.Uint64(element[8:])
		} else {
			e.flags = binary.NativeEndian.Uint32(element)
			e.keyAt, e.keySize = at+uint64(binary.NativeEndian.Uint32(element[4:])), uint64(binary.NativeEndian.Uint32(element[8:]))
			e.valueAt, e.valueSize = e.keyAt+e.keySize, uint64(binary.NativeEndian.Uint32(element[12:]))
		}
		if e.valueAt+e.valueSize > p.size || e.keyAt+e.keySize > p.size {
			return 0, nil, fmt.Errorf("element %d runs past its end", i)
		}
	}
	return flags, elements, nil
}
