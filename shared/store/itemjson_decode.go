package store

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

var decoders = sync.Pool{New: func() any { return new(jsontext.Decoder) }}

// Names are not checked for duplicates (a later one wins, as with
// encoding/json): what is read is what the store wrote, and the check
// costs a tenth of the decoding.
var decodeOptions = jsontext.AllowDuplicateNames(true)

// UnmarshalItem decodes DynamoDB JSON: what MarshalItem or encoding/json
// wrote. It is the reading half of MarshalItem, for the same reason:
// aws-lambda-go decodes every attribute through interface{}.
func UnmarshalItem(b []byte) (Item, error) {
	dec := decoders.Get().(*jsontext.Decoder)
	defer func() {
		// b may be a bbolt page, valid only during its transaction: the
		// pooled decoder must not keep it.
		dec.Reset(bytes.NewBuffer(nil))
		decoders.Put(dec)
	}()
	dec.Reset(bytes.NewBuffer(b), decodeOptions) // parsed in place, not copied
	item, err := readItem(dec, true)
	if err != nil {
		return nil, fmt.Errorf("item: %w", err)
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return nil, errors.New("item: data after the item")
	}
	return item, nil
}

// expect reads the next token and checks its kind.
func expect(dec *jsontext.Decoder, kind jsontext.Kind) error {
	t, err := dec.ReadToken()
	if err != nil {
		return err
	}
	if t.Kind() != kind {
		return fmt.Errorf("%v where %v was expected", t.Kind(), kind)
	}
	return nil
}

// readItem reads a map of attributes; top says it is the item itself,
// whose names recur in every item (a nested map's keys may be ids).
func readItem(dec *jsontext.Decoder, top bool) (map[string]events.DynamoDBAttributeValue, error) {
	if dec.PeekKind() == 'n' { // encoding/json's nil map
		return nil, dec.SkipValue()
	}
	if err := expect(dec, '{'); err != nil {
		return nil, err
	}
	item := map[string]events.DynamoDBAttributeValue{}
	for dec.PeekKind() != '}' {
		name, err := readName(dec, top)
		if err != nil {
			return nil, err
		}
		v, err := readValue(dec)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		item[name] = v
	}
	err := expect(dec, '}')
	return item, err
}

func readValue(dec *jsontext.Decoder) (events.DynamoDBAttributeValue, error) {
	var v events.DynamoDBAttributeValue
	if err := expect(dec, '{'); err != nil {
		return v, err
	}
	tag, err := stringBytes(dec)
	if err != nil {
		return v, err
	}
	str := func() (string, error) {
		b, err := stringBytes(dec)
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
		b, err = readBinary(dec)
		v = events.NewBinaryAttribute(b)
	case "BOOL":
		var t jsontext.Token
		if t, err = dec.ReadToken(); err == nil && t.Kind() != 't' && t.Kind() != 'f' {
			err = fmt.Errorf("BOOL holds %v", t.Kind())
		}
		v = events.NewBooleanAttribute(err == nil && t.Bool())
	case "NULL":
		err = dec.SkipValue()
		v = events.NewNullAttribute()
	case "M":
		var m map[string]events.DynamoDBAttributeValue
		m, err = readItem(dec, false)
		v = events.NewMapAttribute(m)
	case "L":
		var l []events.DynamoDBAttributeValue
		l, err = readList(dec, func() (events.DynamoDBAttributeValue, error) { return readValue(dec) })
		v = events.NewListAttribute(l)
	case "SS":
		var ss []string
		ss, err = readList(dec, str)
		v = events.NewStringSetAttribute(ss)
	case "NS":
		var ns []string
		ns, err = readList(dec, str)
		v = events.NewNumberSetAttribute(ns)
	case "BS":
		var bs [][]byte
		bs, err = readList(dec, func() ([]byte, error) { return readBinary(dec) })
		v = events.NewBinarySetAttribute(bs)
	default:
		return v, fmt.Errorf("attribute of unknown type %q", tag)
	}
	if err != nil {
		return v, err
	}
	err = expect(dec, '}')
	return v, err
}

func readBinary(dec *jsontext.Decoder) ([]byte, error) {
	s, err := stringBytes(dec)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.AppendDecode(make([]byte, 0, base64.StdEncoding.DecodedLen(len(s))), s)
}

func readList[T any](dec *jsontext.Decoder, element func() (T, error)) ([]T, error) {
	if dec.PeekKind() == 'n' { // encoding/json's nil slice
		return nil, dec.SkipValue()
	}
	if err := expect(dec, '['); err != nil {
		return nil, err
	}
	list := []T{}
	for dec.PeekKind() != ']' {
		e, err := element()
		if err != nil {
			return nil, err
		}
		list = append(list, e)
	}
	err := expect(dec, ']')
	return list, err
}

// stringBytes reads a string and returns its content, valid only until
// the decoder's next call: most strings here have no escapes, and are
// then not copied at all.
func stringBytes(dec *jsontext.Decoder) ([]byte, error) {
	raw, err := dec.ReadValue()
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

// readName reads an attribute's name. The same few dozen names recur in
// every item, so each of those is allocated once (up to maxNames).
func readName(dec *jsontext.Decoder, intern bool) (string, error) {
	b, err := stringBytes(dec)
	if err != nil || !intern {
		return string(b), err
	}
	internedNames.RLock()
	name, ok := internedNames.m[string(b)]
	internedNames.RUnlock()
	if ok {
		return name, nil
	}
	name = string(b)
	internedNames.Lock()
	if len(internedNames.m) < maxNames {
		internedNames.m[name] = name
	}
	internedNames.Unlock()
	return name, nil
}

const maxNames = 1024

var internedNames = struct {
	sync.RWMutex
	m map[string]string
}{m: map[string]string{}}
