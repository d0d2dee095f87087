package embedded

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

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
}

func (e *DamagedError) Error() string {
	readable := "nothing in it"
	if len(e.Readable) > 0 {
		readable = strings.Join(e.Readable, ", ")
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
// it; a damage report lists what reads within reportWithin.
const (
	openCheckWithin  = 10 * time.Second
	openDecodeWithin = 200 * time.Millisecond
	reportWithin     = 2 * time.Second
)

// survey is what a walk of the file found.
type survey struct {
	// readable are the parts read whole, damage the others'.
	readable, damage []string
	// finished says the walk reached the end in time.
	finished bool
}

// walk reads every part of tx's file, key by key in order, until
// deadline, decoding values until decodeUntil. A part whose keys go back,
// or whose reading panics (bbolt's own checks, or a fault on a page
// beyond the file), is damaged. It runs on the calling goroutine with
// faults turned into panics, so call it on one of its own.
func walk(tx *bolt.Tx, deadline, decodeUntil time.Time) (s survey) {
	debug.SetPanicOnFault(true)
	var names [][]byte
	err := func() (err error) {
		defer recoverDamage(&err)
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			names = append(names, bytes.Clone(name))
			return nil
		})
	}()
	if err != nil {
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
		entries, finished, err := walkBucket(tx, name, check, deadline, decodeUntil)
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

// recoverDamage turns a panic in bbolt, reading a damaged page, into err.
func recoverDamage(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%v", r)
	}
}

// inspect walks the file at path, opened read only, before bbolt opens it
// for writing: a damaged page found then panics inside bbolt, on a
// goroutine of its own, beyond recovery. A file that is missing or empty
// is a new store. A walk that does not finish within the bound is let
// through.
func inspect(path string) error {
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

// damageFound marks an error found reading a part: a value that does not
// decode, or a panic inside bbolt.
type damageFound struct {
	part    string
	problem error
	// panicked: found as a panic, which code other than bbolt's may raise
	// inside a transaction (the processor's runs in one).
	panicked bool
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

// guard runs fn, a transaction's work, turning a panic inside bbolt (a
// damaged page) into a damageFound, and faults into panics meanwhile.
func guard(fn func(*bolt.Tx) error) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) (err error) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if r := recover(); r != nil {
				err = &damageFound{problem: fmt.Errorf("%v", r), panicked: true}
			}
		}()
		return fn(tx)
	}
}

// described turns damage found in a transaction into a DamagedError that
// says what still reads; other errors pass as they are.
func (s *Store) described(err error) error {
	var found *damageFound
	if !errors.As(err, &found) {
		return err
	}
	now := time.Now()
	survey, _ := surveyOf(s.db, now.Add(reportWithin), now.Add(reportWithin))
	if found.panicked && survey.finished && len(survey.damage) == 0 {
		// Not the file: a bug panicked inside the transaction.
		return fmt.Errorf("a transaction on %s panicked, and the store reads whole: %w", s.db.Path(), found.problem)
	}
	damage := survey.damage
	if len(damage) == 0 || found.part != "" {
		damage = append([]string{found.Error()}, damage...)
	}
	return &DamagedError{Path: s.db.Path(), Damage: damage, Readable: survey.readable, Advice: s.damageAdvice}
}

// decodeItem decodes a stored item; one that does not decode is damage.
func decodeItem(dec *itemjson.Decoder, raw []byte) (store.Item, error) {
	item, err := dec.Unmarshal(raw)
	if err != nil {
		return nil, damagedValue(itemsBucket, err)
	}
	return item, nil
}
