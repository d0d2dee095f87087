package itemjson_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/itemjson"
)

// every holds an attribute of every type DynamoDB has, nested too, nil
// values of each kind that can be nil, and strings with everything
// encoding/json escapes.
func every(s string, b []byte) store.Item {
	return store.Item{
		"pk":   events.NewStringAttribute("WEBHOOK#stripe#evt_1"),
		s:      events.NewStringAttribute(s),
		"n":    events.NewNumberAttribute(s),
		"body": events.NewBinaryAttribute(b),
		"nil":  events.NewBinaryAttribute(nil),
		"yes":  events.NewBooleanAttribute(true),
		"no":   events.NewBooleanAttribute(false),
		"null": events.NewNullAttribute(),
		"map":  events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{s: events.NewStringAttribute(s), "inner": events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{}), "nil": events.NewMapAttribute(nil)}),
		"list": events.NewListAttribute([]events.DynamoDBAttributeValue{events.NewNumberAttribute("1"), events.NewListAttribute(nil), events.NewListAttribute([]events.DynamoDBAttributeValue{}), events.NewStringAttribute(s), events.NewBinaryAttribute(nil)}),
		"ss":   events.NewStringSetAttribute([]string{s, "b"}),
		"ns":   events.NewNumberSetAttribute([]string{"1", "2.5"}),
		"bs":   events.NewBinarySetAttribute([][]byte{b, nil, {2, 3}}),
		"nils": events.NewStringSetAttribute(nil),
	}
}

var escaped = []string{"", "plain", "a \"quoted\" \\ <tag> & é", "\x00\x01\b\f\n\r\t\x1f\x7f", "\u2028\u2029", "a\xffb\xc3", "日本語 🙂", "\xed\xa0\x80"}

func TestMarshalWritesWhatEncodingJSONWrites(t *testing.T) {
	for _, s := range escaped {
		t.Run(s, func(t *testing.T) {
			is := is.New(t)
			item := every(s, []byte(s))
			want, err := json.Marshal(item)
			is.NoErr(err)
			is.Equal(string(itemjson.Marshal(item)), string(want))
		})
	}
}

// Whatever Marshal writes, Decoder reads back, nil values included: a
// webhook without a body is written {"B":null}, which encoding/json
// itself cannot read, and a store whose items do not read is a store
// whose listings fail and whose file is called damaged.
func TestDecoderReadsBackEverythingMarshalWrites(t *testing.T) {
	var d itemjson.Decoder
	for _, s := range escaped {
		for _, b := range [][]byte{nil, {}, []byte(s)} {
			t.Run(fmt.Sprintf("%q/%v", s, b), func(t *testing.T) {
				readsBack(t, &d, itemjson.Marshal(every(s, b)))
			})
		}
	}
}

// readsBack fails t unless d reads written back to the item written: one
// that Marshal writes as the same JSON value (not always the same bytes:
// invalid UTF-8 is written \ufffd, and the character read back is then
// written as it is).
func readsBack(t *testing.T, d *itemjson.Decoder, written []byte) {
	t.Helper()
	read, err := d.Unmarshal(written)
	if err != nil {
		t.Fatalf("Marshal wrote what Decoder refuses: %v\n%s", err, written)
	}
	again := itemjson.Marshal(read)
	var was, is any
	if err := json.Unmarshal(written, &was); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(again, &is); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(is, was) {
		t.Fatalf("read back as another item:\n%s\nwas written:\n%s", again, written)
	}
}

// FuzzMarshal holds Marshal to encoding/json's bytes, and Decoder to
// reading them back.
func FuzzMarshal(f *testing.F) {
	f.Add("a \"quoted\" <tag>", []byte{0, 0xff})
	f.Add("\u2028\xff\x1f", []byte(nil))
	var d itemjson.Decoder
	f.Fuzz(func(t *testing.T, s string, b []byte) {
		item := every(s, b)
		want, err := json.Marshal(item)
		if err != nil {
			t.Fatal(err)
		}
		got := itemjson.Marshal(item)
		if !bytes.Equal(got, want) {
			t.Fatalf("Marshal:\n%s\nencoding/json:\n%s", got, want)
		}
		readsBack(t, &d, got)
		canonicalStandsForItsItem(t, &d, got)
	})
}

// canonicalStandsForItsItem fails t when Canonical calls written the
// bytes Marshal writes for what they read as, and they are not.
func canonicalStandsForItsItem(t *testing.T, d *itemjson.Decoder, written []byte) {
	t.Helper()
	if !itemjson.Canonical(written) {
		return
	}
	read, err := d.Unmarshal(written)
	if err != nil {
		t.Fatal(err)
	}
	if again := itemjson.Marshal(read); !bytes.Equal(again, written) {
		t.Fatalf("Canonical, but read back and written again:\n%s\nwas:\n%s", again, written)
	}
}

func TestCanonicalIsFalseOnlyWhereReadingChangesTheBytes(t *testing.T) {
	is := is.New(t)
	var d itemjson.Decoder
	for _, s := range escaped {
		written := itemjson.Marshal(every(s, []byte(s)))
		canonicalStandsForItsItem(t, &d, written)
		is.Equal(itemjson.Canonical(written), !strings.Contains(string(written), `\ufffd`))
	}
	is.True(!itemjson.Canonical(itemjson.Marshal(store.Item{"h": events.NewStringAttribute("a\xffb")})))
}

// FuzzUnmarshal holds Decoder to encoding/json on any input: where both
// read it, they read the same item; Decoder refuses only what is not
// strict JSON (invalid UTF-8, a name twice: no encoder writes either),
// and reads beyond encoding/json only the nil values that encoding/json
// writes but cannot read. Whatever it reads, Marshal writes and it reads
// back.
func FuzzUnmarshal(f *testing.F) {
	for _, s := range escaped {
		f.Add(itemjson.Marshal(every(s, []byte(s))))
	}
	for _, seed := range []string{`null`, `{}`, `{"a":{"NULL":false}}`, `{"a":{"S":"x"},"a":{"N":"1"}}`, `{"a":{"S":"x","S":"y"}}`, `{"a":{"B":null}}`,
		`{"a":{"BS":[null,""]}}`, `{"a":{"L":[{"M":null}]}}`, `{"a":{"S":"\ud800"}}`, "{\"a\":{\"S\":\"\xff\"}}", `{"a":{"B":"!!"}}`, `{"a":{"S":"x"}} {}`} {
		f.Add([]byte(seed))
	}
	var d itemjson.Decoder
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := d.Unmarshal(data)
		want, standardErr := standardUnmarshal(data)
		switch {
		case err == nil && standardErr == nil:
			if g, w := itemjson.Marshal(got), itemjson.Marshal(want); !bytes.Equal(g, w) {
				t.Fatalf("Decoder read:\n%s\nencoding/json read:\n%s", g, w)
			}
		case err != nil && standardErr == nil && jsontext.Value(data).IsValid():
			t.Fatalf("Decoder refused what encoding/json reads: %v", err)
		case err == nil && standardErr != nil && !holdsNil(got):
			t.Fatalf("Decoder read what encoding/json refuses (%v):\n%s", standardErr, itemjson.Marshal(got))
		}
		if err == nil {
			readsBack(t, &d, itemjson.Marshal(got))
		}
	})
}

// standardUnmarshal is encoding/json's reading, through aws-lambda-go,
// which panics on a null in a binary set.
func standardUnmarshal(data []byte) (item store.Item, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	err = json.Unmarshal(data, &item)
	return item, err
}

// holdsNil says item holds a value encoding/json writes as null.
func holdsNil(item map[string]events.DynamoDBAttributeValue) bool {
	for _, v := range item {
		if valueHoldsNil(v) {
			return true
		}
	}
	return false
}

func valueHoldsNil(v events.DynamoDBAttributeValue) bool {
	switch v.DataType() {
	case events.DataTypeBinary:
		return v.Binary() == nil
	case events.DataTypeMap:
		return v.Map() == nil || holdsNil(v.Map())
	case events.DataTypeList:
		for _, e := range v.List() {
			if valueHoldsNil(e) {
				return true
			}
		}
		return v.List() == nil
	case events.DataTypeStringSet:
		return v.StringSet() == nil
	case events.DataTypeNumberSet:
		return v.NumberSet() == nil
	case events.DataTypeBinarySet:
		for _, e := range v.BinarySet() {
			if e == nil {
				return true
			}
		}
		return v.BinarySet() == nil
	}
	return false
}

// Decoder reads what encoding/json wrote (the embedded store's files
// before Marshal), and encoding/json reads what Marshal writes where it
// can: it cannot read nil values, nor aws-lambda-go a null in a binary
// set, so those are left out here.
func TestDecoderReadsWhatEncodingJSONWrites(t *testing.T) {
	is := is.New(t)
	item := every("a \"quoted\" <tag> & \u2028 \\ é", []byte{0, 1, 0xff})
	item["bs"] = events.NewBinarySetAttribute([][]byte{{1}, {2, 3}})
	item["map"] = events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{"k": events.NewStringAttribute("v")})
	item["list"] = events.NewListAttribute([]events.DynamoDBAttributeValue{events.NewNumberAttribute("1"), events.NewListAttribute([]events.DynamoDBAttributeValue{})})
	delete(item, "nil")
	delete(item, "nils")

	written := itemjson.Marshal(item)
	var byStandard store.Item
	is.NoErr(json.Unmarshal(written, &byStandard))
	is.Equal(byStandard, item)

	old, err := json.Marshal(item)
	is.NoErr(err)
	var d itemjson.Decoder
	read, err := d.Unmarshal(old)
	is.NoErr(err)
	is.Equal(read, item)

	is.Equal(string(itemjson.Marshal(read)), string(written))
}

func TestInvalidUTF8IsReplacedAsEncodingJSONReplacesIt(t *testing.T) {
	is := is.New(t)
	item := store.Item{"h": events.NewStringAttribute("a\xffb")}
	var d itemjson.Decoder
	read, err := d.Unmarshal(itemjson.Marshal(item))
	is.NoErr(err)
	is.Equal(read["h"].String(), "a\uFFFDb")
}

func TestDecoderReadsNilValues(t *testing.T) {
	is := is.New(t)
	var d itemjson.Decoder
	read, err := d.Unmarshal([]byte(`{"l":{"L":null},"m":{"M":null},"ss":{"SS":null},"b":{"B":null},"bs":{"BS":[null,"AQ=="]}}`))
	is.NoErr(err)
	is.Equal(read["l"].List(), nil)
	is.Equal(read["m"].Map(), nil)
	is.Equal(read["ss"].StringSet(), nil)
	is.Equal(read["b"].Binary(), nil)
	is.Equal(read["bs"].BinarySet(), [][]byte{nil, {1}})
}

func TestDecoderRefusesWhatIsNotAnItem(t *testing.T) {
	var d itemjson.Decoder
	for _, bad := range []string{``, `[]`, `{"a":"S"}`, `{"a":{"X":"1"}}`, `{"a":{"S":1}}`, `{"a":{"S":null}}`, `{"a":{"BOOL":"true"}}`, `{"a":{"B":"!!"}}`, `{"a":{"B":1}}`,
		`{"a":{"S":"x"}`, `{"a":{"S":"x","N":"1"}}`, `{"a":{"L":[{"S":1}]}}`, `{"a":{"S":"x"}} {}`} {
		t.Run(bad, func(t *testing.T) {
			_, err := d.Unmarshal([]byte(bad))
			is.New(t).True(err != nil) // decoded
		})
	}
}

// Decoders share nothing: names one remembers are its own.
func TestDecodersAreIndependentAndSafeForConcurrentUse(t *testing.T) {
	is := is.New(t)
	var d itemjson.Decoder
	written := itemjson.Marshal(every("s", []byte("b")))
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for range 100 {
				if _, err := d.Unmarshal(written); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		is.NoErr(<-errs)
	}
	var other itemjson.Decoder
	read, err := other.Unmarshal(written)
	is.NoErr(err)
	is.Equal(string(itemjson.Marshal(read)), string(written))
}

// A webhook's item as the store keeps it, to measure against encoding/json.
func benchmarkItem() store.Item {
	body := []byte(`{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_3NG8Du2eZvKYlo2C0Yx6y9Qd","amount":2000,"currency":"usd","status":"succeeded","metadata":{"order_id":"6735"}}},"created":1686089970,"livemode":false}`)
	item, err := store.WebhookItem(store.Webhook{Provider: "stripe", EventID: "evt_1NG8Du2eZvKYlo2CUI79vXWy", EventType: "payment_intent.succeeded", Body: body, Status: store.StatusReceived,
		SignatureHeaders: map[string]string{"Stripe-Signature": "t=1686089970,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"}, SourceIP: "203.0.113.9", RequestID: "req_1", PaymentKey: "PAYMENT#stripe#pi_3NG8Du2eZvKYlo2C0Yx6y9Qd"})
	if err != nil {
		panic(err)
	}
	return item
}

func BenchmarkItemJSON(b *testing.B) {
	item := benchmarkItem()
	encoded := itemjson.Marshal(item)
	b.Run("marshal/itemjson", func(b *testing.B) {
		for b.Loop() {
			itemjson.Marshal(item)
		}
	})
	b.Run("marshal/encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(item); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unmarshal/itemjson", func(b *testing.B) {
		var d itemjson.Decoder
		for b.Loop() {
			if _, err := d.Unmarshal(encoded); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unmarshal/encoding-json", func(b *testing.B) {
		for b.Loop() {
			var read store.Item
			if err := json.Unmarshal(encoded, &read); err != nil {
				b.Fatal(err)
			}
		}
	})
}
