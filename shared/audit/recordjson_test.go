package audit_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/itemjson"
	"github.com/payhook/payhook/shared/stream"
)

// every is a record with every field set to s, at t.
func every(s string, t time.Time) audit.Record {
	return audit.Record{Time: t, EventName: s, PK: s, SK: s, Kind: s, Provider: s, EventID: s, EventType: s, PaymentKey: s,
		OldStatus: s, NewStatus: s, OldVersion: s, NewVersion: s, Reason: s, Outcome: s, Actor: s, ClaimedBy: s,
		SequenceNumber: s, OldImageSHA256: s, NewImageSHA256: s, RecordSHA256: s}
}

// A record's JSON is encoding/json's, byte for byte, and so are its
// digest and every trail line: records written before hold those bytes.
func FuzzRecordJSONIsEncodingJSONs(f *testing.F) {
	for _, s := range []string{"", "plain", "a \"quoted\" \\ <tag> & é", "\x00\x1f\u2028\u2029", "a\xffb", "日本語"} {
		f.Add(s, int64(1795780800), int64(123456789), 0)
	}
	f.Add("x", int64(1795780800), int64(0), 5*3600+30*60)
	f.Add("x", int64(1795780800), int64(0), 37)          // an offset with seconds: encoding/json refuses it
	f.Add("x", int64(253402300799), int64(999999999), 0) // the last nanosecond of 9999
	f.Add("x", int64(253402300800), int64(0), 0)         // 10000: refused
	f.Add("x", int64(-62167219200-86400), int64(0), 0)   // a year before 0: refused
	f.Fuzz(func(t *testing.T, s string, seconds, nanos int64, offset int) {
		at := time.Unix(seconds, nanos).In(time.FixedZone("z", offset%(26*3600)))
		for _, r := range []audit.Record{every(s, at), {Time: at, Kind: s, Actor: s, SequenceNumber: s}} {
			want, wantErr := json.Marshal(r)
			got, err := r.AppendJSON([]byte("prefix"))
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("AppendJSON's error %v, encoding/json's %v", err, wantErr)
			}
			if err == nil && string(got) != "prefix"+string(want) {
				t.Fatalf("AppendJSON:\n%s\nencoding/json:\n%s", got[len("prefix"):], want)
			}
		}
	})
}

// The embedded store hands the auditor its images as stored; digested as
// they are, they give the digests encoding them again gives.
func TestStoredImagesDigestAsTheirItems(t *testing.T) {
	is := is.New(t)
	old := webhookItem(t, store.StatusReceived, store.ByReceiver, "")
	changed := webhookItem(t, store.StatusProcessed, store.ByProcessor, "")
	changed[store.AttrUpdatedBy] = events.NewStringAttribute("a\xffb") // stored as \ufffd: not canonical
	r := record("MODIFY", old, changed, "000000000000000000042")
	var got []audit.Record
	sink := sinkFunc(func(r audit.Record) { got = append(got, r) })
	a := &audit.Auditor{Sink: sink, Alerter: &alerts{}}
	oldBytes := itemjson.Marshal(old)
	ctx := stream.WithStoredImages(context.Background(), stream.StoredImages{r.Change.SequenceNumber: {Old: oldBytes}})
	_, err := a.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{r}})
	is.NoErr(err)
	is.Equal(len(got), 1)
	is.Equal(got[0], audit.Build(r))
}

type sinkFunc func(audit.Record)

func (f sinkFunc) Write(_ context.Context, r audit.Record) error {
	f(r)
	return nil
}
