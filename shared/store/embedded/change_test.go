package embedded

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/itemjson"
	"github.com/payhook/payhook/shared/stream"
)

// everyKind holds an attribute of every type DynamoDB has, nested too.
func everyKind() store.Item {
	return store.Item{
		"pk":     events.NewStringAttribute("WEBHOOK#stripe#evt_1"),
		"sk":     events.NewStringAttribute("WEBHOOK"),
		"quote":  events.NewStringAttribute("a \"quoted\" <tag> & \u2028 \\ é"),
		"n":      events.NewNumberAttribute("-12.50"),
		"body":   events.NewBinaryAttribute([]byte{0, 1, 2, 0xff}),
		"empty":  events.NewBinaryAttribute([]byte{}),
		"yes":    events.NewBooleanAttribute(true),
		"no":     events.NewBooleanAttribute(false),
		"null":   events.NewNullAttribute(),
		"map":    events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{"k": events.NewStringAttribute("v"), "inner": events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{})}),
		"list":   events.NewListAttribute([]events.DynamoDBAttributeValue{events.NewNumberAttribute("1"), events.NewListAttribute([]events.DynamoDBAttributeValue{}), events.NewStringAttribute("x")}),
		"ss":     events.NewStringSetAttribute([]string{"a", "b"}),
		"ns":     events.NewNumberSetAttribute([]string{"1", "2.5"}),
		"bs":     events.NewBinarySetAttribute([][]byte{{1}, {2, 3}}),
		"header": events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{"Stripe-Signature": events.NewStringAttribute("t=1,v1=ab")}),
	}
}

func TestChangeRecordsReadTheSameWrittenEitherWay(t *testing.T) {
	is := is.New(t)
	oldImage, newImage := everyKind(), everyKind()
	newImage["status"] = events.NewStringAttribute("PROCESSED")
	at := time.Date(2026, 11, 28, 14, 0, 0, 250_000_000, time.UTC)
	identity := store.TTLIdentity
	// What the store wrote before framing: encoding/json of the record.
	before := events.DynamoDBEventRecord{
		EventID: "7", EventName: "MODIFY", EventVersion: "1.1", EventSource: "payhook:embedded",
		UserIdentity: &identity,
		Change: events.DynamoDBStreamRecord{
			ApproximateCreationDateTime: events.SecondsEpochTime{Time: at},
			Keys:                        store.Item{"pk": oldImage["pk"], "sk": oldImage["sk"]},
			OldImage:                    oldImage, NewImage: newImage,
			SequenceNumber: "000000000000000000007", StreamViewType: "NEW_AND_OLD_IMAGES",
		},
	}
	standard, err := json.Marshal(before)
	is.NoErr(err)
	var expected events.DynamoDBEventRecord // what consumers read before
	is.NoErr(json.Unmarshal(standard, &expected))
	fromJSON, images, wanted, err := readChange(new(itemjson.Decoder), 7, standard, nil)
	is.NoErr(err)
	is.True(wanted)
	is.Equal(fromJSON, expected)
	is.Equal(images, stream.Images{}) // a JSON record's images are not kept as bytes

	oldBytes, newBytes := itemjson.Marshal(oldImage), itemjson.Marshal(newImage)
	framed := marshalChange(change{name: events.DynamoDBOperationTypeModify, created: at, pk: oldImage["pk"].String(), sk: oldImage["sk"].String(), old: oldBytes, new: newBytes, identity: &identity})
	fromFrame, images, wanted, err := readChange(new(itemjson.Decoder), 7, framed, nil)
	is.NoErr(err)
	is.True(wanted)
	is.Equal(images, stream.Images{Old: oldBytes, New: newBytes}) // a frame's are, as stored
	// The frame keeps the time to the nanosecond, where a float of seconds
	// did not.
	is.True(fromFrame.Change.ApproximateCreationDateTime.Equal(at))
	fromFrame.Change.ApproximateCreationDateTime = expected.Change.ApproximateCreationDateTime
	is.Equal(fromFrame, expected)
	created, err := createdAt(framed)
	is.NoErr(err)
	is.True(created.Equal(at))
}

func TestAFilterSkipsARecordBeforeItsOldImageIsRead(t *testing.T) {
	is := is.New(t)
	image := itemjson.Marshal(everyKind())
	framed := marshalChange(change{name: events.DynamoDBOperationTypeModify, created: time.Now(), pk: "p", sk: "s", old: []byte("not an item"), new: image})
	var seen events.DynamoDBEventRecord
	_, _, wanted, err := readChange(new(itemjson.Decoder), 1, framed, func(r events.DynamoDBEventRecord) bool { seen = r; return false })
	is.NoErr(err) // the old image was never decoded
	is.True(!wanted)
	is.Equal(seen.Change.NewImage["pk"].String(), "WEBHOOK#stripe#evt_1")
	_, _, _, err = readChange(new(itemjson.Decoder), 1, framed, nil)
	is.True(err != nil) // and is, for a consumer that wants the record
}

func TestATruncatedChangeRecordIsAnError(t *testing.T) {
	is := is.New(t)
	framed := marshalChange(change{name: events.DynamoDBOperationTypeInsert, created: time.Now(), pk: "p", sk: "s", new: []byte(`{"pk":{"S":"p"}}`)})
	for n := range len(framed) {
		_, _, _, err := readChange(new(itemjson.Decoder), 1, framed[:n], nil)
		is.True(err != nil)
	}
}
