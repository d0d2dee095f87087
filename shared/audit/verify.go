package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
)

// Break is one place a trail does not hold together.
type Break struct {
	// Line is the trail's line (from 1) of the record that breaks it.
	Line int
	Item string // pk and sk
	Why  string
}

// Report is what Verify found.
type Report struct {
	Records, Items int
	Breaks         []Break
}

// maxTrailLine bounds one line of a trail: records are small; a log
// export's line carries one.
const maxTrailLine = 1 << 20

// Verify reads a trail, one record a line, and checks every item's chain
// in the order the trail holds it: each record's fields match its own
// digest (nothing edited), its sequence number follows the previous one's
// for the item (nothing reordered), and its old image is the previous
// record's new image (nothing missing in between). When the trail is
// complete (it holds every record since the table began, as a data
// directory's does), an item's first record must be its creation;
// otherwise a chain may start mid-history, as an export of a time range
// does. The last record of an item can go missing unseen: nothing follows
// it.
// Lines may be payhook's own (`{"audit":{...}}`), a CloudWatch Logs event
// (`{"message":"..."}`), or either behind a timestamp, as exports write
// them; lines that hold no record are skipped.
func Verify(trail io.Reader, complete bool) (Report, error) {
	var report Report
	type last struct {
		sequence *big.Int
		newImage string
	}
	items := map[string]last{}
	scanner := bufio.NewScanner(trail)
	scanner.Buffer(make([]byte, 64<<10), maxTrailLine)
	for line := 1; scanner.Scan(); line++ {
		r, ok := recordOf(scanner.Bytes())
		if !ok {
			continue
		}
		report.Records++
		item := r.PK + " " + r.SK
		breakHere := func(format string, a ...any) {
			report.Breaks = append(report.Breaks, Break{Line: line, Item: item, Why: fmt.Sprintf(format, a...)})
		}
		if r.RecordSHA256 != r.digest() {
			breakHere("the record's fields do not match its digest: edited")
		}
		sequence, ok := new(big.Int).SetString(r.SequenceNumber, 10)
		if !ok {
			breakHere("sequence number %q is not a number", r.SequenceNumber)
			continue
		}
		previous, seen := items[item]
		switch {
		case !seen:
			report.Items++
			if complete && r.OldImageSHA256 != "" {
				breakHere("the item's first record is not its creation: the records before it are missing")
			}
		case sequence.Cmp(previous.sequence) <= 0:
			breakHere("sequence %s comes after %s: out of order", sequence, previous.sequence)
		case r.OldImageSHA256 != previous.newImage:
			breakHere("its old image is not the previous record's new image: a record is missing before it")
		}
		items[item] = last{sequence: sequence, newImage: r.NewImageSHA256}
	}
	return report, scanner.Err()
}

// recordOf finds the audit record a trail line holds, if any.
func recordOf(line []byte) (Record, bool) {
	start := bytes.IndexByte(line, '{')
	if start < 0 {
		return Record{}, false
	}
	var wrapper struct {
		Audit   *Record `json:"audit"`
		Message string  `json:"message"`
	}
	if json.Unmarshal(line[start:], &wrapper) != nil {
		return Record{}, false
	}
	switch {
	case wrapper.Audit != nil:
		return *wrapper.Audit, true
	case wrapper.Message != "":
		return recordOf([]byte(wrapper.Message))
	}
	return Record{}, false
}

// Find reads a trail and returns its records that match, in the trail's
// order, at most limit of them (the last ones when more match): what an
// operator reads about one webhook or payment.
func Find(trail io.Reader, match func(Record) bool, limit int) ([]Record, error) {
	var found []Record
	scanner := bufio.NewScanner(trail)
	scanner.Buffer(make([]byte, 64<<10), maxTrailLine)
	for scanner.Scan() {
		r, ok := recordOf(scanner.Bytes())
		if !ok || !match(r) {
			continue
		}
		if len(found) == limit {
			found = append(found[:0], found[1:]...)
		}
		found = append(found, r)
	}
	return found, scanner.Err()
}
