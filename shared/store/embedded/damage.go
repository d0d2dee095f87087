package embedded

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/itemjson"
)

// ErrDamaged: the store's file does not read as bbolt wrote it (a disk
// fault, an edit by hand). A *DamagedError says where and what still reads.
var ErrDamaged = errors.New("store damaged")

// DamagedError is a damaged store: where damage was found, and the parts
// of the store still read whole.
type DamagedError struct {
	Path string
	// Damage says each damaged part, in words, and what is wrong with it.
	Damage []string
	// Readable are the parts read whole, in words, with their entries.
	Readable []string
	// Advice says what to do, as the store's user put it (Options).
	Advice string
	// Unsurveyed: the walk of the file stopped before its end, so what
	// else reads whole is not known; Readable is what it read first.
	Unsurveyed bool
}

func (e *DamagedError) Error() string {
	readable := "nothing in it"
	if len(e.Readable) > 0 {
		readable = strings.Join(e.Readable, ", ")
	}
	if e.Unsurveyed {
		readable = fmt.Sprintf("not known, the walk of the file stopped after %s (whole until then: %s; payhook check reads it all)", reportWithin, readable)
	}
	msg := fmt.Sprintf("%s is damaged (%s); still readable: %s", e.Path, strings.Join(e.Damage, "; "), readable)
	if e.Advice != "" {
		msg += "; " + e.Advice
	}
	return msg
}

func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

// parts names each bucket as an operator knows it.
var parts = []struct {
	bucket []byte
	name   string
	// check says whether a value reads as this part's, nil: any does.
	check func(dec *itemjson.Decoder, k, v []byte) error
}{
	{itemsBucket, "webhooks and payments", func(dec *itemjson.Decoder, _, v []byte) error { _, err := dec.Unmarshal(v); return err }},
	{changesBucket, "the change feed", func(dec *itemjson.Decoder, k, v []byte) error {
		_, _, _, err := readChange(dec, binary.BigEndian.Uint64(k), v, nil)
		return err
	}},
	{checkpointsBucket, "the feed's checkpoints", func(_ *itemjson.Decoder, _, v []byte) error { return wantLength(v, 8) }},
	{deadLettersBucket, "the dead-letter queue", validJSON},
	{forwardsBucket, "queued forwards", validJSON},
	{deadForwardsBucket, "forwards given up on", validJSON},
	{forwardStatusBucket, "forwarding's delivery records", validJSON},
	{forwardHoldsBucket, "forwarding's holds", nil},
	{expiryBucket, "the expiry index", nil},
	{forwardLogBucket, "what became of each forward", validJSON},
	{byReceivedBucket, "the index of webhooks by time", nil},
	{byStatusBucket, "the index of webhooks by status", nil},
	{byPaymentBucket, "the index of webhooks by payment", nil},
}

func validJSON(_ *itemjson.Decoder, _, v []byte) error {
	if !json.Valid(v) {
		return errors.New("an entry is not the JSON written")
	}
	return nil
}

func wantLength(v []byte, n int) error {
	if len(v) != n {
		return fmt.Errorf("an entry of %d bytes, not %d", len(v), n)
	}
	return nil
}

// partName is bucket's name in words.
func partName(bucket []byte) string {
	for _, p := range parts {
		if bytes.Equal(p.bucket, bucket) {
			return p.name
		}
	}
	return fmt.Sprintf("part %q", bucket)
}

// Checking bounds: opening walks the whole file's structure (as bbolt
// itself does next, where damage would panic beyond recovery) for at most
// openCheckWithin, and decodes values for the first openDecodeWithin of
// it.
const (
	openCheckWithin  = 10 * time.Second
	openDecodeWithin = 200 * time.Millisecond
)

// reportWithin bounds the walk a damage report makes of the file, values
// decoded; a variable, so that a test can have it run out.
var reportWithin = 2 * time.Second

// survey is what a walk of the file found.
type survey struct {
	// readable are the parts read whole, damage the others'.
	readable, damage []string
	// finished says the walk reached the end in time.
	finished bool
	// panics are those the walk recovered, reading damaged parts.
	panics []*panicError
	// linked: every page's links were checked and hold, so bbolt can
	// follow them without looping (its own page check included).
	linked bool
}

// notePanic keeps the panic err may be, for its stack to be logged.
func (s *survey) notePanic(err error) {
	var p *panicError
	if errors.As(err, &p) {
		s.panics = append(s.panics, p)
	}
}

// walk reads every part of tx's file, key by key in order, until
// deadline, decoding values until decodeUntil, once its pages' links
// are checked. A part whose pages do not link as a tree, whose keys go
// back, or whose reading panics (bbolt's own checks, or a fault on a
// page beyond the file), is damaged. It runs on the calling goroutine
// with faults turned into panics, so call it on one of its own.
func walk(tx *bolt.Tx, deadline, decodeUntil time.Time) (s survey) {
	debug.SetPanicOnFault(true)
	pages := links(tx, deadline)
	switch {
	case !pages.finished:
		return s
	case pages.root != nil:
		s.damage = append(s.damage, "its list of parts does not read: "+brief(pages.root))
		return s
	}
	var names [][]byte
	err := func() (err error) {
		defer recoverDamage(&err)
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			names = append(names, bytes.Clone(name))
			return nil
		})
	}()
	if err != nil {
		s.notePanic(err)
		s.damage = append(s.damage, fmt.Sprintf("its list of parts does not read: %v", err))
		return s
	}
	var empty []string // listed last: what holds something comes first
	var dec itemjson.Decoder
	for _, name := range names {
		part := partName(name)
		var check func(k, v []byte) error
		for _, p := range parts {
			if bytes.Equal(p.bucket, name) && p.check != nil {
				check = func(k, v []byte) error { return p.check(&dec, k, v) }
			}
		}
		if err := pages.parts[string(name)]; err != nil {
			s.damage = append(s.damage, fmt.Sprintf("%s: %s", part, brief(err)))
			continue
		}
		entries, finished, err := walkBucket(tx, name, check, deadline, decodeUntil)
		s.notePanic(err)
		switch {
		case err != nil && entries == 0:
			s.damage = append(s.damage, fmt.Sprintf("%s: %s", part, brief(err)))
		case err != nil:
			s.damage = append(s.damage, fmt.Sprintf("%s, after %d good entries: %s", part, entries, brief(err)))
		case !finished:
			s.readable = append(s.readable, empty...)
			return s
		case entries == 0:
			empty = append(empty, part+" (empty)")
		default:
			s.readable = append(s.readable, fmt.Sprintf("%s (%d)", part, entries))
		}
	}
	s.readable = append(s.readable, empty...)
	s.finished = true
	s.linked = true
	for _, err := range pages.parts {
		s.linked = s.linked && err == nil
	}
	return s
}

// maxProblem bounds how much of one problem a damage report quotes:
// bbolt's own messages can carry whole keys in hex.
const maxProblem = 160

// brief is err's message, cut to maxProblem bytes on a character boundary.
func brief(err error) string {
	msg := err.Error()
	if len(msg) <= maxProblem {
		return msg
	}
	cut := maxProblem
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "…"
}

// walkBucket reads one bucket whole, unless deadline passes first.
func walkBucket(tx *bolt.Tx, name []byte, check func(k, v []byte) error, deadline, decodeUntil time.Time) (entries int, finished bool, err error) {
	defer recoverDamage(&err)
	b := tx.Bucket(name)
	if b == nil {
		return 0, false, errors.New("it is listed but does not open")
	}
	decode := check != nil && time.Now().Before(decodeUntil)
	var previous []byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if previous != nil && bytes.Compare(k, previous) <= 0 {
			return entries, false, errors.New("its keys are out of order")
		}
		previous = append(previous[:0], k...)
		if decode {
			if err := check(k, v); err != nil {
				return entries, false, err
			}
		}
		entries++
		if entries%1024 == 0 {
			now := time.Now()
			if now.After(deadline) {
				return entries, false, nil
			}
			decode = decode && now.Before(decodeUntil)
		}
	}
	return entries, true, nil
}

// recoverDamage turns a panic in bbolt, reading a damaged page, into err,
// a *panicError.
func recoverDamage(err *error) {
	if r := recover(); r != nil {
		*err = recovered(r)
	}
}

// panicError is a recovered panic: its value, whether bbolt raised it,
// and the stack that raised it, which is logged, never dropped.
type panicError struct {
	value any
	// inBbolt: bbolt's own code raised it (or the runtime under it), or
	// a read faulted on the mapped file, as reading a damaged page does; otherwise code that bbolt called did:
	// a transaction's function, such as the processor's.
	inBbolt bool
	stack   []byte
}

func (p *panicError) Error() string { return fmt.Sprint(p.value) }

// recovered makes a panicError of r. Call it in the deferred function
// that recovered r: the panicking frames are still on its stack.
func recovered(r any) *panicError {
	return &panicError{value: r, inBbolt: isFault(r) || raisedInBbolt(), stack: debug.Stack()}
}

// isFault says whether r is a memory fault (with SetPanicOnFault on):
// reading past the mapped file, through a key or value bbolt handed out
// from a damaged page. That is damage wherever the read is, even in
// payhook's code copying the key, never a bug of payhook's.
func isFault(r any) bool {
	_, fault := r.(interface{ Addr() uintptr })
	return fault
}

// raisedInBbolt says whether the code that panicked, the innermost frame
// under the panic that is not Go's own (the runtime, bytes, ...), is
// bbolt's.
func raisedInBbolt() bool {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs)])
	panicking := false
	for {
		frame, more := frames.Next()
		pkg := packageOf(frame.Function)
		switch {
		case frame.Function == "runtime.gopanic":
			panicking = true
		case panicking && !goOwn(pkg):
			return pkg == "go.etcd.io/bbolt" || strings.HasPrefix(pkg, "go.etcd.io/bbolt/")
		}
		if !more {
			return false
		}
	}
}

// packageOf is the import path of a function named as runtime.Frame
// names it: path/to/pkg.Func, path/to/pkg.(*Type).Method.
func packageOf(function string) string {
	slash := strings.LastIndexByte(function, '/') + 1
	dot := strings.IndexByte(function[slash:], '.')
	if dot < 0 {
		return function
	}
	return function[:slash+dot]
}

// goOwn says whether pkg is Go's own: its path's first element has no
// dot, unlike a module's (go.etcd.io, github.com).
func goOwn(pkg string) bool {
	first, _, _ := strings.Cut(pkg, "/")
	return !strings.Contains(first, ".")
}

// logPanic logs a recovered panic with its stack: at error when code
// other than bbolt's raised it (a bug), at debug when bbolt did, reading
// the file: the damage is then the error reported, in one line.
func logPanic(log *zerolog.Logger, p *panicError, where string) {
	event := log.Error()
	msg := where + " panicked: a bug, not damage to the file"
	if p.inBbolt {
		event, msg = log.Debug(), where+" panicked inside bbolt, reading the file"
	}
	event.Str("panic", p.Error()).Str("stack", string(p.stack)).Msg(msg)
}

// inspect walks the file at path, opened read only, before bbolt opens it
// for writing: a damaged page found then panics inside bbolt, on a
// goroutine of its own, beyond recovery. A file that is missing or empty
// is a new store. A walk that does not finish within the bound is let
// through.
func inspect(path string, log *zerolog.Logger) error {
	info, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && info.Size() == 0) {
		return nil
	}
	if err != nil {
		return err
	}
	var db *bolt.DB
	err = func() (err error) {
		defer recoverDamage(&err)
		db, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
		return err
	}()
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return fmt.Errorf("open %s: %w", path, store.ErrLocked)
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("open %s: %w", path, err)
	case err != nil:
		return &DamagedError{Path: path, Damage: []string{"it does not open as a store: " + brief(err)}}
	}
	defer func() { _ = db.Close() }() // read only
	now := time.Now()
	s, done := surveyOf(db, now.Add(openCheckWithin), now.Add(openDecodeWithin))
	for _, p := range s.panics {
		logPanic(log, p, "reading "+path)
	}
	if !done || len(s.damage) == 0 {
		return nil
	}
	return &DamagedError{Path: path, Damage: s.damage, Readable: s.readable}
}

// surveyOf walks db in a read transaction on a goroutine of its own, and
// waits for it until deadline (and a little more: a walk checks the time
// every 1,024 entries). done is false when it did not answer: its
// goroutine is left to finish.
func surveyOf(db *bolt.DB, deadline, decodeUntil time.Time) (s survey, done bool) {
	answer := make(chan survey, 1)
	go func() {
		var s survey
		err := func() (err error) {
			defer recoverDamage(&err)
			return db.View(func(tx *bolt.Tx) error {
				s = walk(tx, deadline, decodeUntil)
				return nil
			})
		}()
		s.notePanic(err)
		if err != nil && len(s.damage) == 0 {
			s.damage = []string{brief(err)}
		}
		answer <- s
	}()
	timer := time.NewTimer(time.Until(deadline) + time.Second)
	defer timer.Stop()
	select {
	case s := <-answer:
		return s, true
	case <-timer.C:
		return survey{}, false
	}
}

// damageFound marks what may be damage, found in a transaction: a value
// that does not decode, or a panic (problem is then a *panicError).
type damageFound struct {
	part    string
	problem error
}

func (d *damageFound) Error() string {
	if d.part == "" {
		return brief(d.problem)
	}
	return d.part + ": " + brief(d.problem)
}

// damagedValue says a value of bucket did not decode.
func damagedValue(bucket []byte, err error) error {
	return &damageFound{part: partName(bucket), problem: err}
}

// guard runs fn, a transaction's work, turning a panic into a
// damageFound, and faults into panics meanwhile. bbolt then rolls the
// transaction back, as for any error: nothing fn wrote is kept.
func guard(fn func(*bolt.Tx) error) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) (err error) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if r := recover(); r != nil {
				err = &damageFound{problem: recovered(r)}
			}
		}()
		return fn(tx)
	}
}

// described turns what a transaction found into the error to report,
// after a walk of the file (reportWithin): a DamagedError when the walk
// finds damage, or when bbolt itself panicked or a value did not decode;
// a panic of other code (the processor's runs in a transaction) is a
// bug, never called damage. Other errors pass as they are.
func (s *Store) described(err error) error {
	var found *damageFound
	if !errors.As(err, &found) {
		return err
	}
	var p *panicError
	panicked := errors.As(found.problem, &p)
	if panicked {
		logPanic(&s.log, p, "a transaction on "+s.db.Path())
	}
	now := time.Now()
	survey, done := surveyOf(s.db, now.Add(reportWithin), now.Add(reportWithin))
	for _, p := range survey.panics {
		logPanic(&s.log, p, "reading "+s.db.Path())
	}
	surveyed := done && survey.finished
	if len(survey.damage) == 0 && panicked {
		state := "the file reads whole"
		if !surveyed {
			state = fmt.Sprintf("whether the file is damaged too is not known: its walk stopped after %s (payhook check reads it all)", reportWithin)
		}
		switch {
		case !p.inBbolt:
			return fmt.Errorf("a transaction on %s panicked in payhook's code, a bug, not damage to the file (%s): %w", s.db.Path(), state, p)
		case surveyed:
			return fmt.Errorf("a transaction on %s panicked inside bbolt, and %s: %w", s.db.Path(), state, p)
		}
	}
	damage := survey.damage
	if len(damage) == 0 || found.part != "" {
		damage = append([]string{found.Error()}, damage...)
	}
	return &DamagedError{Path: s.db.Path(), Damage: damage, Readable: survey.readable, Advice: s.damageAdvice, Unsurveyed: !surveyed}
}

// decodeItem decodes a stored item; one that does not decode is damage.
func decodeItem(dec *itemjson.Decoder, raw []byte) (store.Item, error) {
	item, err := dec.Unmarshal(raw)
	if err != nil {
		return nil, damagedValue(itemsBucket, err)
	}
	return item, nil
}
