// Package itemjson reads and writes store items (DynamoDB stream images)
// as DynamoDB JSON ({"S":"..."}, {"N":"1"}, ...), without reflection and
// byte for byte as encoding/json writes them. It holds no state of its
// own: a Decoder's is its owner's.
package itemjson

import (
	"bytes"
	"encoding/base64"
	"slices"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// Marshal encodes item byte for byte as encoding/json encodes it:
// attributes in name order, strings escaped as encoding/json escapes
// them, nil values as null. Two things depend on that sameness: the
// embedded store's files, written before this existed, and the audit
// trail's image digests, whose chain runs across records digested before
// it. It exists for speed: encoding/json reaches every attribute through
// reflection and a MarshalJSON whose output it then compacts, which
// profiles of serve put at a tenth of its CPU (docs/benchmarks.md). A
// fuzz test holds it to encoding/json, and another holds Decoder to
// reading back everything it writes.
func Marshal(item map[string]events.DynamoDBAttributeValue) []byte {
	size := 64 * len(item)
	for _, v := range item {
		if v.DataType() == events.DataTypeBinary {
			size += base64.StdEncoding.EncodedLen(len(v.Binary()))
		}
	}
	return appendItem(make([]byte, 0, size), item)
}

func appendItem(b []byte, item map[string]events.DynamoDBAttributeValue) []byte {
	if item == nil {
		return append(b, "null"...)
	}
	names := make([]string, 0, len(item))
	for name := range item {
		names = append(names, name)
	}
	slices.Sort(names)
	b = append(b, '{')
	for i, name := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(AppendString(b, name), ':')
		b = appendValue(b, item[name])
	}
	return append(b, '}')
}

// appendValue writes what aws-lambda-go's MarshalJSON writes, compacted.
func appendValue(b []byte, v events.DynamoDBAttributeValue) []byte {
	switch v.DataType() {
	case events.DataTypeString:
		return append(AppendString(append(b, `{"S":`...), v.String()), '}')
	case events.DataTypeNumber:
		return append(AppendString(append(b, `{"N":`...), v.Number()), '}')
	case events.DataTypeBinary:
		return append(appendBinary(append(b, `{"B":`...), v.Binary()), '}')
	case events.DataTypeBoolean:
		if v.Boolean() {
			return append(b, `{"BOOL":true}`...)
		}
		return append(b, `{"BOOL":false}`...)
	case events.DataTypeNull:
		return append(b, `{"NULL":true}`...)
	case events.DataTypeMap:
		return append(appendItem(append(b, `{"M":`...), v.Map()), '}')
	case events.DataTypeList:
		return append(appendList(append(b, `{"L":`...), v.List(), appendValue), '}')
	case events.DataTypeStringSet:
		return append(appendList(append(b, `{"SS":`...), v.StringSet(), AppendString), '}')
	case events.DataTypeNumberSet:
		return append(appendList(append(b, `{"NS":`...), v.NumberSet(), AppendString), '}')
	case events.DataTypeBinarySet:
		return append(appendList(append(b, `{"BS":`...), v.BinarySet(), appendBinary), '}')
	}
	return append(b, '{', '}')
}

func appendList[T any](b []byte, list []T, element func([]byte, T) []byte) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, e := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = element(b, e)
	}
	return append(b, ']')
}

func appendBinary(b, data []byte) []byte {
	if data == nil {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, data)
	return append(b, '"')
}

// replacement is how Marshal writes a byte of invalid UTF-8.
var replacement = []byte(`\ufffd`)

// Canonical reports whether b, as Marshal wrote it, is also what Marshal
// writes for the item b reads back as, so that b may stand for that item
// (the audit chain digests these bytes): so unless b holds an escaped
// replacement character, which the item read back holds as the
// character itself, and Marshal then writes unescaped. A string that
// holds a backslash and "ufffd" makes it false too, which is only
// cautious.
func Canonical(b []byte) bool { return !bytes.Contains(b, replacement) }

const hexDigits = "0123456789abcdef"

// AppendString quotes s by encoding/json's rules: <, > and & escaped for
// HTML, U+2028 and U+2029 for JavaScript, invalid UTF-8 as U+FFFD. The
// audit records' own encoding uses it too.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
		case r == '\u2028':
			b = append(append(b, s[start:i]...), `\u2028`...)
		case r == '\u2029':
			b = append(append(b, s[start:i]...), `\u2029`...)
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(b, s[start:]...), '"')
}
