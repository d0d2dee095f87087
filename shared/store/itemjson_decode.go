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
	defer decoders.Put(dec)
	dec.Reset(bytes.NewBuffer(b), decodeOptions) // parsed in place, not copied
	item, err := readItem(dec)
	if err != nil {
		return nil, fmt.Errorf("item: %w", err)
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return nil, errors.New("item: data after the item")
	}
	return item, nil
}

// expect reads the next token and checks its kind.
func expect(dec *jsontext.Decoder, kind jsontext.Kind) (jsontext.Token, error) {
	t, err := dec.ReadToken()
	if err != nil {
		return t, err
	}
	if t.Kind() != kind {
		return t, fmt.Errorf("%v where %v was expected", t.Kind(), kind)
	}
	return t, nil
}

func readItem(dec *jsontext.Decoder) (map[string]events.DynamoDBAttributeValue, error) {
	if dec.PeekKind() == 'n' { // encoding/json's nil map
		return nil, dec.SkipValue()
	}
	if _, err := expect(dec, '{'); err != nil {
		return nil, err
	}
	item := map[string]events.DynamoDBAttributeValue{}
	for dec.PeekKind() != '}' {
		name, err := readName(dec)
		if err != nil {
			return nil, err
		}
		v, err := readValue(dec)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		item[name] = v
	}
	_, err := expect(dec, '}')
	return item, err
}

func readValue(dec *jsontext.Decoder) (events.DynamoDBAttributeValue, error) {
	var v events.DynamoDBAttributeValue
	if _, err := expect(dec, '{'); err != nil {
		return v, err
	}
	kind, err := readName(dec)
	if err != nil {
		return v, err
	}
	str := func() (string, error) { return readName(dec) }
	switch kind {
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
		b, err = readBinary(str)
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
		m, err = readItem(dec)
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
		bs, err = readList(dec, func() ([]byte, error) { return readBinary(str) })
		v = events.NewBinarySetAttribute(bs)
	default:
		return v, fmt.Errorf("attribute of unknown type %q", kind)
	}
	if err != nil {
		return v, err
	}
	_, err = expect(dec, '}')
	return v, err
}

func readBinary(str func() (string, error)) ([]byte, error) {
	s, err := str()
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(s)
}

func readList[T any](dec *jsontext.Decoder, element func() (T, error)) ([]T, error) {
	if dec.PeekKind() == 'n' { // encoding/json's nil slice
		return nil, dec.SkipValue()
	}
	if _, err := expect(dec, '['); err != nil {
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
	_, err := expect(dec, ']')
	return list, err
}

// readName reads a string. A token is valid only until the decoder's next
// call, so strings are taken out of it at once.
func readName(dec *jsontext.Decoder) (string, error) {
	t, err := expect(dec, '"')
	if err != nil {
		return "", err
	}
	return t.String(), nil
}
