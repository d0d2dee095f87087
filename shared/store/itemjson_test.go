package store_test

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/store"
)

// every holds an attribute of every type DynamoDB has, nested too, and
// strings with everything encoding/json escapes.
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
		"list": events.NewListAttribute([]events.DynamoDBAttributeValue{events.NewNumberAttribute("1"), events.NewListAttribute(nil), events.NewListAttribute([]events.DynamoDBAttributeValue{}), events.NewStringAttribute(s)}),
		"ss":   events.NewStringSetAttribute([]string{s, "b"}),
		"ns":   events.NewNumberSetAttribute([]string{"1", "2.5"}),
		"bs":   events.NewBinarySetAttribute([][]byte{b, nil, {2, 3}}),
		"nils": events.NewStringSetAttribute(nil),
	}
}

func TestMarshalItemWritesWhatEncodingJSONWrites(t *testing.T) {
	for _, s := range []string{"", "plain", "a \"quoted\" \\ <tag> & é", "\x00\x01\b\f\n\r\t\x1f\x7f", "\u2028\u2029", "a\xffb\xc3", "日本語 🙂", "\xed\xa0\x80"} {
		t.Run(s, func(t *testing.T) {
			is := is.New(t)
			item := every(s, []byte(s))
			want, err := json.Marshal(item)
			is.NoErr(err)
			is.Equal(string(store.MarshalItem(item)), string(want))
		})
	}
}

func FuzzMarshalItemWritesWhatEncodingJSONWrites(f *testing.F) {
	f.Add("a \"quoted\" <tag>", []byte{0, 0xff})
	f.Add("\u2028\xff\x1f", []byte(nil))
	f.Fuzz(func(t *testing.T, s string, b []byte) {
		item := every(s, b)
		want, err := json.Marshal(item)
		if err != nil {
			t.Fatal(err)
		}
		if got := store.MarshalItem(item); string(got) != string(want) {
			t.Fatalf("MarshalItem:\n%s\nencoding/json:\n%s", got, want)
		}
	})
}

// UnmarshalItem reads what encoding/json wrote (the embedded store's files
// before MarshalItem), and encoding/json reads what MarshalItem writes.
func TestUnmarshalItemReadsWhatEncodingJSONWrites(t *testing.T) {
	is := is.New(t)
	item := every("a \"quoted\" <tag> & \u2028 \\ é", []byte{0, 1, 0xff})
	// Nil sets, lists and maps come back empty, and aws-lambda-go's own
	// decoding panics on a null in a binary set: left out here.
	item["bs"] = events.NewBinarySetAttribute([][]byte{{1}, {2, 3}})
	item["map"] = events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{"k": events.NewStringAttribute("v")})
	item["list"] = events.NewListAttribute([]events.DynamoDBAttributeValue{events.NewNumberAttribute("1"), events.NewListAttribute([]events.DynamoDBAttributeValue{})})
	delete(item, "nil")
	delete(item, "nils")

	written := store.MarshalItem(item)
	var byStandard store.Item
	is.NoErr(json.Unmarshal(written, &byStandard))
	is.Equal(byStandard, item)

	old, err := json.Marshal(item)
	is.NoErr(err)
	read, err := store.UnmarshalItem(old)
	is.NoErr(err)
	is.Equal(read, item)

	is.Equal(string(store.MarshalItem(read)), string(written))
}

func TestItemJSONReplacesInvalidUTF8AsEncodingJSONDoes(t *testing.T) {
	is := is.New(t)
	item := store.Item{"h": events.NewStringAttribute("a\xffb")}
	written := store.MarshalItem(item)
	read, err := store.UnmarshalItem(written)
	is.NoErr(err)
	is.Equal(read["h"].String(), "a\uFFFDb")
}

func TestUnmarshalItemReadsEncodingJSONsNulls(t *testing.T) {
	is := is.New(t)
	read, err := store.UnmarshalItem([]byte(`{"l":{"L":null},"m":{"M":null},"ss":{"SS":null}}`))
	is.NoErr(err)
	is.Equal(len(read["l"].List()), 0)
	is.Equal(len(read["m"].Map()), 0)
	is.Equal(len(read["ss"].StringSet()), 0)
}

func TestUnmarshalItemRefusesWhatIsNotAnItem(t *testing.T) {
	for _, bad := range []string{``, `[]`, `{"a":"S"}`, `{"a":{"X":"1"}}`, `{"a":{"S":1}}`, `{"a":{"BOOL":"true"}}`, `{"a":{"B":"!!"}}`, `{"a":{"S":"x"}`, `{"a":{"S":"x","N":"1"}}`, `{"a":{"L":[{"S":1}]}}`, `{"a":{"S":"x"}} {}`} {
		t.Run(bad, func(t *testing.T) {
			_, err := store.UnmarshalItem([]byte(bad))
			is.New(t).True(err != nil) // decoded
		})
	}
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
	encoded := store.MarshalItem(item)
	b.Run("marshal/store", func(b *testing.B) {
		for b.Loop() {
			store.MarshalItem(item)
		}
	})
	b.Run("marshal/encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(item); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unmarshal/store", func(b *testing.B) {
		for b.Loop() {
			if _, err := store.UnmarshalItem(encoded); err != nil {
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
