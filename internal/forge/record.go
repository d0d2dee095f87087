package forge

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/payhook/payhook/shared/audit"
)

// RewriteRecord edits the audit record on a trail line (`{"audit":{...}}`),
// replacing from with to, and computes its digest anew: what anyone who
// can write the trail and reads how the digest is made can do.
func RewriteRecord(line, from, to string) (string, error) {
	var wrapped struct {
		Audit audit.Record `json:"audit"`
	}
	if err := json.Unmarshal([]byte(strings.Replace(line, from, to, 1)), &wrapped); err != nil {
		return "", err
	}
	wrapped.Audit.RecordSHA256 = ""
	fields, err := json.Marshal(wrapped.Audit)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(fields)
	wrapped.Audit.RecordSHA256 = hex.EncodeToString(sum[:])
	rewritten, err := json.Marshal(wrapped)
	return string(rewritten), err
}
