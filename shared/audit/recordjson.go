package audit

import (
	"encoding/json"
	"time"

	"github.com/payhook/payhook/shared/store/itemjson"
)

// AppendJSON appends the record as encoding/json encodes it, byte for
// byte, and fails where it fails (a test holds it to that): its digest
// and every trail hold these bytes, and records written before were
// encoding/json's. It exists for speed: the auditor encodes every record
// twice, once to digest it and once to write it, and reflection made that
// a fifth of its work.
func (r Record) AppendJSON(b []byte) ([]byte, error) {
	if _, offset := r.Time.Zone(); r.Time.Year() < 0 || r.Time.Year() > 9999 || offset%60 != 0 {
		// A time encoding/json refuses or writes otherwise: its own way.
		line, err := json.Marshal(r)
		return append(b, line...), err
	}
	b = append(r.Time.AppendFormat(append(b, `{"time":"`...), time.RFC3339Nano), '"')
	field := func(name, value string, omitEmpty bool) {
		if omitEmpty && value == "" {
			return
		}
		b = itemjson.AppendString(append(append(append(b, ',', '"'), name...), '"', ':'), value)
	}
	field("event_name", r.EventName, false)
	field("pk", r.PK, false)
	field("sk", r.SK, false)
	field("kind", r.Kind, false)
	field("provider", r.Provider, true)
	field("event_id", r.EventID, true)
	field("event_type", r.EventType, true)
	field("payment_key", r.PaymentKey, true)
	field("old_status", r.OldStatus, true)
	field("new_status", r.NewStatus, true)
	field("old_version", r.OldVersion, true)
	field("new_version", r.NewVersion, true)
	field("reason", r.Reason, true)
	field("outcome", r.Outcome, true)
	field("actor", r.Actor, false)
	field("claimed_by", r.ClaimedBy, true)
	field("sequence_number", r.SequenceNumber, false)
	field("old_image_sha256", r.OldImageSHA256, true)
	field("new_image_sha256", r.NewImageSHA256, true)
	field("record_sha256", r.RecordSHA256, false)
	return append(b, '}'), nil
}
