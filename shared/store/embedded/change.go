package embedded

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/itemjson"
	"github.com/payhook/payhook/shared/stream"
)

// change is one change record: the images are the items' stored bytes,
// kept as they are, never decoded and encoded again on the way.
type change struct {
	name     events.DynamoDBOperationType
	created  time.Time
	pk, sk   string
	old, new []byte // nil when absent
	identity *events.DynamoDBUserIdentity
}

// A change record is framed rather than JSON, so that writing one copies
// the images' bytes and reading one decodes only the images a consumer
// wants (docs/benchmarks.md). The frame starts with a version byte no JSON
// text starts with; records written before framing are JSON and still
// read. Then: the operation's first letter, an identity flag, the time in
// Unix nanoseconds (a varint), the identity's two strings when flagged,
// pk, sk, and the old and new images, each string a uvarint length and
// its bytes. An image is never empty, so an empty one is an absent one.
const frameVersion = 0x01

func marshalChange(c change) []byte {
	flag, size := byte(0), 3+binary.MaxVarintLen64+4*binary.MaxVarintLen32+len(c.pk)+len(c.sk)+len(c.old)+len(c.new)
	if c.identity != nil {
		flag, size = 1, size+2*binary.MaxVarintLen32+len(c.identity.Type)+len(c.identity.PrincipalID)
	}
	b := make([]byte, 0, size)
	b = binary.AppendVarint(append(b, frameVersion, c.name[0], flag), c.created.UnixNano())
	str := func(s []byte) { b = append(binary.AppendUvarint(b, uint64(len(s))), s...) }
	if c.identity != nil {
		str([]byte(c.identity.Type))
		str([]byte(c.identity.PrincipalID))
	}
	str([]byte(c.pk))
	str([]byte(c.sk))
	str(c.old)
	str(c.new)
	return b
}

var operations = map[byte]events.DynamoDBOperationType{
	'I': events.DynamoDBOperationTypeInsert,
	'M': events.DynamoDBOperationTypeModify,
	'R': events.DynamoDBOperationTypeRemove,
}

var errTruncated = errors.New("change record: truncated")

func unmarshalFrame(b []byte) (change, error) {
	var c change
	if len(b) < 4 || b[0] != frameVersion {
		return c, errors.New("change record: not a frame")
	}
	var ok bool
	if c.name, ok = operations[b[1]]; !ok {
		return c, fmt.Errorf("change record: operation %q", b[1])
	}
	hasIdentity := b[2] == 1
	nanos, read := binary.Varint(b[3:])
	if read <= 0 {
		return c, errTruncated
	}
	c.created = time.Unix(0, nanos)
	b = b[3+read:]
	var err error
	// next reads one string; after the first that is cut short, none.
	next := func() []byte {
		if err != nil {
			return nil
		}
		n, read := binary.Uvarint(b)
		if read <= 0 {
			err = errTruncated
			return nil
		}
		rest := b[read:]
		if n > uint64(len(rest)) {
			err = errTruncated
			return nil
		}
		b = rest[n:]
		return rest[:n]
	}
	if hasIdentity {
		c.identity = &events.DynamoDBUserIdentity{Type: string(next()), PrincipalID: string(next())}
	}
	c.pk, c.sk = string(next()), string(next())
	c.old, c.new = image(next()), image(next())
	if err != nil {
		return change{}, err
	}
	return c, nil
}

// image is a frame's image: an empty one is none.
func image(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// readChange decodes the change record seq, framed or JSON, as Lambda
// would hand it over (a record from before framing: encoding/json of the
// events.DynamoDBEventRecord). wanted, when set, sees the record before its old
// image is decoded (its keys, name and new image) and may skip it: most
// records a filtered consumer reads it then skips, and the old image is
// the costlier half. It reports whether the record was wanted, and with a
// wanted record its images' bytes where they are what itemjson.Marshal
// writes for the images read (copied: raw is valid only in its
// transaction).
func readChange(dec *itemjson.Decoder, seq uint64, raw []byte, wanted func(events.DynamoDBEventRecord) bool) (events.DynamoDBEventRecord, stream.Images, bool, error) {
	var images stream.Images
	if isJSONRecord(raw) {
		var r events.DynamoDBEventRecord
		err := json.Unmarshal(raw, &r)
		return r, images, err == nil && (wanted == nil || wanted(r)), err
	}
	c, err := unmarshalFrame(raw)
	if err != nil {
		return events.DynamoDBEventRecord{}, images, false, err
	}
	r := events.DynamoDBEventRecord{
		EventID:      strconv.FormatUint(seq, 10),
		EventName:    string(c.name),
		EventVersion: "1.1",
		EventSource:  "payhook:embedded",
		UserIdentity: c.identity,
		Change: events.DynamoDBStreamRecord{
			ApproximateCreationDateTime: events.SecondsEpochTime{Time: c.created},
			Keys:                        store.Item{store.AttrPK: events.NewStringAttribute(c.pk), store.AttrSK: events.NewStringAttribute(c.sk)},
			SequenceNumber:              fmt.Sprintf("%021d", seq),
			StreamViewType:              string(events.DynamoDBStreamViewTypeNewAndOldImages),
		},
	}
	if c.new != nil {
		if r.Change.NewImage, err = dec.Unmarshal(c.new); err != nil {
			return r, images, false, err
		}
	}
	if wanted != nil && !wanted(r) {
		return r, images, false, nil
	}
	if c.old != nil {
		if r.Change.OldImage, err = dec.Unmarshal(c.old); err != nil {
			return r, images, false, err
		}
	}
	return r, stream.Images{Old: canonical(c.old), New: canonical(c.new)}, true, nil
}

// canonical is a copy of an image's stored bytes when they are what
// itemjson.Marshal writes for the item they read as, else nil.
func canonical(image []byte) []byte {
	if image == nil || !itemjson.Canonical(image) {
		return nil
	}
	return bytes.Clone(image)
}

// createdAt is when the change record was written, read without its images.
func createdAt(raw []byte) (time.Time, error) {
	if isJSONRecord(raw) {
		var r events.DynamoDBEventRecord
		err := json.Unmarshal(raw, &r)
		return r.Change.ApproximateCreationDateTime.Time, err
	}
	c, err := unmarshalFrame(raw)
	return c.created, err
}

// isJSONRecord says raw was written before framing: encoding/json of an
// events.DynamoDBEventRecord, which no frame's version byte can start.
func isJSONRecord(raw []byte) bool { return len(raw) > 0 && raw[0] == '{' }
