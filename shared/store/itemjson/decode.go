package itemjson

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/go-json-experiment/json/jsontext"
)

// Names are not checked for duplicates (a later one wins, as with
// encoding/json): what is read is what a store wrote, and the check
// costs a tenth of the decoding.
var decodeOptions = jsontext.AllowDuplicateNames(true)

// maxNames bounds the attribute names a Decoder remembers.
const maxNames = 1024

// Decoder reads items: what Marshal or encoding/json wrote. It is the
// reading half of Marshal, for the same reason: aws-lambda-go decodes
// every attribute through interface{}. It remembers the top-level
// attribute names it has read (the same few dozen recur in every item),
// up to maxNames, so that each is allocated once, and reuses its JSON
// decoders: keep one per store rather than one per item. Safe for
// concurrent use; the zero value is ready.
type Decoder struct {
	decoders sync.Pool // of *jsontext.Decoder
	mu       sync.RWMutex
	names    map[string]string
}

// Unmarshal decodes one item. b is not kept: it may be a page of a store's
// file, valid only during its transaction.
func (d *Decoder) Unmarshal(b []byte) (map[string]events.DynamoDBAttributeValue, error) {
	dec, _ := d.decoders.Get().(*jsontext.Decoder)
	if dec == nil {
		dec = new(jsontext.Decoder)
	}
	defer func() {
		dec.Reset(bytes.NewBuffer(nil)) // drop b
		d.decoders.Put(dec)
	}()
	dec.Reset(bytes.NewBuffer(b), decodeOptions) // parsed in place, not copied
	r := reader{dec: dec, names: d}
	item, err := r.item(true)
	if err != nil {
		return nil, fmt.Errorf("item: %w", err)
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return nil, errors.New("item: data after the item")
	}
	return item, nil
}

// name returns the name b spells, allocated once for every item.
func (d *Decoder) name(b []byte) string {
	d.mu.RLock()
	name, ok := d.names[string(b)]
	d.mu.RUnlock()
	if ok {
		return name
	}
	name = string(b)
	d.mu.Lock()
	if d.names == nil {
		d.names = map[string]string{}
	}
	if len(d.names) < maxNames {
		d.names[name] = name
	}
	d.mu.Unlock()
	return name
}

// reader reads one item from dec.
type reader struct {
	dec   *jsontext.Decoder
	names *Decoder
}

// expect reads the next token and checks its kind.
func (r reader) expect(kind jsontext.Kind) error {
	t, err := r.dec.ReadToken()
	if err != nil {
		return err
	}
	if t.Kind() != kind {
		return fmt.Errorf("%v where %v was expected", t.Kind(), kind)
	}
	return nil
}

// item reads a map of attributes; top says it is the item itself, whose
// names recur in every item (a nested map's keys may be ids).
func (r reader) item(top bool) (map[string]events.DynamoDBAttributeValue, error) {
	if r.dec.PeekKind() == 'n' { // a nil map
		return nil, r.dec.SkipValue()
	}
	if err := r.expect('{'); err != nil {
		return nil, err
	}
	item := map[string]events.DynamoDBAttributeValue{}
	for r.dec.PeekKind() != '}' {
		b, err := r.stringBytes()
		if err != nil {
			return nil, err
		}
		name := string(b)
		if top {
			name = r.names.name(b)
		}
		v, err := r.value()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		item[name] = v
	}
	err := r.expect('}')
	return item, err
}

func (r reader) value() (events.DynamoDBAttributeValue, error) {
	var v events.DynamoDBAttributeValue
	if err := r.expect('{'); err != nil {
		return v, err
	}
	tag, err := r.stringBytes()
	if err != nil {
		return v, err
	}
	str := func() (string, error) {
		b, err := r.stringBytes()
		return string(b), err
	}
	switch string(tag) { // the tag is valid until the decoder reads on
	case "S":
		var s string
		s, err = str()
		v = events.NewStringAttribute(s)
	case "N":
		var n string
		n, err = str()
		v = events.NewNumberAttribute(n)
	case "B":
		var b []byte
		b, err = r.binary()
		v = events.NewBinaryAttribute(b)
	case "BOOL":
		var t jsontext.Token
		if t, err = r.dec.ReadToken(); err == nil && t.Kind() != 't' && t.Kind() != 'f' {
			err = fmt.Errorf("BOOL holds %v", t.Kind())
		}
		v = events.NewBooleanAttribute(err == nil && t.Bool())
	case "NULL":
		err = r.dec.SkipValue()
		v = events.NewNullAttribute()
	case "M":
		var m map[string]events.DynamoDBAttributeValue
		m, err = r.item(false)
		v = events.NewMapAttribute(m)
	case "L":
		var l []events.DynamoDBAttributeValue
		l, err = list(r, r.value)
		v = events.NewListAttribute(l)
	case "SS":
		var ss []string
		ss, err = list(r, str)
		v = events.NewStringSetAttribute(ss)
	case "NS":
		var ns []string
		ns, err = list(r, str)
		v = events.NewNumberSetAttribute(ns)
	case "BS":
		var bs [][]byte
		bs, err = list(r, r.binary)
		v = events.NewBinarySetAttribute(bs)
	default:
		return v, fmt.Errorf("attribute of unknown type %q", tag)
	}
	if err != nil {
		return v, err
	}
	err = r.expect('}')
	return v, err
}

// binary reads base64, or null: what Marshal and encoding/json write for
// a nil value (a webhook without a body), which encoding/json cannot read.
func (r reader) binary() ([]byte, error) {
	if r.dec.PeekKind() == 'n' {
		return nil, r.dec.SkipValue()
	}
	s, err := r.stringBytes()
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.AppendDecode(make([]byte, 0, base64.StdEncoding.DecodedLen(len(s))), s)
}

func list[T any](r reader, element func() (T, error)) ([]T, error) {
	if r.dec.PeekKind() == 'n' { // a nil slice
		return nil, r.dec.SkipValue()
	}
	if err := r.expect('['); err != nil {
		return nil, err
	}
	l := []T{}
	for r.dec.PeekKind() != ']' {
		e, err := element()
		if err != nil {
			return nil, err
		}
		l = append(l, e)
	}
	err := r.expect(']')
	return l, err
}

// stringBytes reads a string and returns its content, valid only until
// the decoder's next call: most strings here have no escapes, and are
// then not copied at all.
func (r reader) stringBytes() ([]byte, error) {
	raw, err := r.dec.ReadValue()
	if err != nil {
		return nil, err
	}
	if raw.Kind() != '"' {
		return nil, fmt.Errorf("%v where a string was expected", raw.Kind())
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1], nil
	}
	return jsontext.AppendUnquote(nil, raw)
}
