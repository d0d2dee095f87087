package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"slices"
)

// Break is one place a trail does not hold together.
type Break struct {
	// Line is the trail's line (from 1) of the record that breaks it.
	Line int
	Item string // pk and sk
	Why  string
}

// Repeat is a record the trail holds twice, exactly: same sequence, same
// fields, same digest.
type Repeat struct {
	// Line is the repeat's line, Of the line it repeats.
	Line, Of int
	Item     string
	Sequence string
}

// Report is what Verify found.
type Report struct {
	// Records counts every record read, repeats included.
	Records, Items int
	Breaks         []Break
	// Repeats are the exact repeats a trail written at least once holds;
	// a trail that allows none reports them as breaks instead.
	Repeats []Repeat
}

// VerifyOptions say what the trail is.
type VerifyOptions struct {
	// Complete: the trail holds every record since the table began (as a
	// data directory's does), so an item's first record must be its
	// creation; otherwise a chain may start mid-history, as an export of a
	// time range does.
	Complete bool
	// AllowRepeats: the trail was written at least once, as the auditor on
	// Lambda writes to CloudWatch Logs (a batch retried after a partial
	// write is written again), so an exact repeat of a record is reported
	// apart and otherwise passed over. A data directory's trail is
	// written exactly once: there a repeat is a break.
	AllowRepeats bool
	// Contiguous: the trail holds one record of every change, in the
	// order of the change feed's sequence numbers, which count up by one
	// (a data directory's trail: the embedded store numbers every change,
	// and the auditor records each exactly once). Each record's sequence
	// must then be the previous record's plus one, from 1 when the trail
	// is also Complete, and a line that holds no record is a break: the
	// removal of any record shows, even the last of its item.
	Contiguous bool
}

// maxTrailLine bounds one line of a trail: records are small; a log
// export's line carries one.
const maxTrailLine = 1 << 20

// seen is a record of an item, as a repeat would match it.
type seen struct {
	sequence, digest string
	line             int
}

// recentRecords is how many of an item's latest records a repeat is
// recognised among: the auditor's event source mapping hands over at most
// 100 records a batch (tofu/modules/webhook-pipeline/streams.tf) and
// retries a shard's batch before the next, so a repeat follows its
// original within that many records of the item.
const recentRecords = 100

// Verify reads a trail, one record a line, and checks every item's chain
// in the order the trail holds it: each record's fields match its own
// digest (nothing edited), its sequence number follows the previous one's
// for the item (nothing reordered), and its old image is the previous
// record's new image (nothing missing in between). When options allow
// repeats, an exact repeat of one of the item's last 100 records is
// reported apart; otherwise a repeat of the item's last record is a break
// named so, and one of an earlier record is out of order. A record that
// repeats a sequence with other fields is a break either way. The last
// record of an item can go missing unseen, nothing following it, unless
// options say the trail is Contiguous.
// Lines may be payhook's own (`{"audit":{...}}`), a CloudWatch Logs event
// (`{"message":"..."}`), or either behind a timestamp, as exports write
// them; lines that hold no record are skipped, or breaks when Contiguous.
func Verify(trail io.Reader, options VerifyOptions) (Report, error) {
	var report Report
	type last struct {
		sequence *big.Int
		newImage string
		// latest are the item's latest records, to tell a repeat by: the
		// last one only, unless repeats are allowed, which keeps more.
		latest []seen
	}
	items := map[string]*last{}
	// previous is the sequence of the trail's previous record, when
	// Contiguous.
	var previous *big.Int
	if options.Contiguous && options.Complete {
		previous = new(big.Int)
	}
	scanner := bufio.NewScanner(trail)
	scanner.Buffer(make([]byte, 64<<10), maxTrailLine)
	for line := 1; scanner.Scan(); line++ {
		r, ok := recordOf(scanner.Bytes())
		item := r.PK + " " + r.SK
		breakHere := func(format string, a ...any) {
			report.Breaks = append(report.Breaks, Break{Line: line, Item: item, Why: fmt.Sprintf(format, a...)})
		}
		if !ok {
			if options.Contiguous {
				item = ""
				breakHere("the line holds no record: this trail holds records only")
			}
			continue
		}
		report.Records++
		intact := r.RecordSHA256 == r.digest()
		if !intact {
			breakHere("the record's fields do not match its digest: edited")
		}
		ofItem, known := items[item]
		if known && intact {
			if i := slices.IndexFunc(ofItem.latest, func(s seen) bool { return s.sequence == r.SequenceNumber }); i >= 0 {
				earlier := ofItem.latest[i]
				switch {
				case earlier.digest != r.RecordSHA256:
					breakHere("sequence %s again, with other fields than line %d: not a repeat but a second version", r.SequenceNumber, earlier.line)
				case options.AllowRepeats:
					report.Repeats = append(report.Repeats, Repeat{Line: line, Of: earlier.line, Item: item, Sequence: r.SequenceNumber})
				default:
					breakHere("a repeat of line %d: this trail is written exactly once", earlier.line)
				}
				continue
			}
		}
		sequence, ok := new(big.Int).SetString(r.SequenceNumber, 10)
		if !ok {
			breakHere("sequence number %q is not a number", r.SequenceNumber)
			continue
		}
		if options.Contiguous {
			if why := notNext(previous, sequence); why != "" {
				breakHere("%s", why)
			}
			previous = sequence
		}
		switch {
		case !known:
			report.Items++
			ofItem = &last{}
			items[item] = ofItem
			if options.Complete && r.OldImageSHA256 != "" {
				breakHere("the item's first record is not its creation: the records before it are missing")
			}
		case sequence.Cmp(ofItem.sequence) <= 0:
			breakHere("sequence %s comes after %s: out of order", sequence, ofItem.sequence)
		case r.OldImageSHA256 != ofItem.newImage:
			breakHere("its old image is not the previous record's new image: a record is missing before it")
		}
		ofItem.sequence, ofItem.newImage = sequence, r.NewImageSHA256
		keep := 1
		if options.AllowRepeats {
			keep = recentRecords
		}
		if len(ofItem.latest) == keep {
			ofItem.latest = append(ofItem.latest[:0], ofItem.latest[1:]...)
		}
		ofItem.latest = append(ofItem.latest, seen{sequence: r.SequenceNumber, digest: r.RecordSHA256, line: line})
	}
	return report, scanner.Err()
}

// notNext says how sequence fails to follow previous by one: "" when it
// does, or when there is no previous record to follow.
func notNext(previous, sequence *big.Int) string {
	if previous == nil {
		return ""
	}
	want := new(big.Int).Add(previous, big.NewInt(1))
	where := fmt.Sprintf("sequence %s follows %s", sequence, previous)
	if previous.Sign() == 0 {
		where = fmt.Sprintf("the trail starts at sequence %s", sequence)
	}
	switch sequence.Cmp(want) {
	case 0:
		return ""
	case -1:
		return where + ": out of order"
	}
	if last := new(big.Int).Sub(sequence, big.NewInt(1)); last.Cmp(want) > 0 {
		return fmt.Sprintf("%s: the records of changes %s to %s are missing", where, want, last)
	}
	return fmt.Sprintf("%s: the record of change %s is missing", where, want)
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
