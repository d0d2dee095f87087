package embedded_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/rs/zerolog"

	"github.com/payhook/payhook/internal/forge"
	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
)

// filledStore writes n webhooks into a new store at path and closes it.
func filledStore(t *testing.T, path string, n int) {
	t.Helper()
	s := openStore(t, path)
	ws := make([]store.Webhook, n)
	for i := range ws {
		ws[i] = webhook(fmt.Sprintf("evt_%04d", i))
	}
	if _, err := s.PutWebhooks(context.Background(), ws); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestADamagedStoreIsNamedNotPanicked: bbolt panics, on a goroutine of its
// own, opening a file whose pages a disk fault overwrote. Open says
// instead which file, what is damaged and what still reads.
func TestADamagedStoreIsNamedNotPanicked(t *testing.T) {
	for seed := range uint64(8) {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			is := is.New(t)
			path := filepath.Join(t.TempDir(), "payhook.db")
			filledStore(t, path, 300)
			pages, err := forge.DamagePages(path, rand.New(rand.NewPCG(seed, 27)))
			is.NoErr(err)
			is.True(pages > 10)
			_, err = embedded.Open(path, embedded.Options{DamageAdvice: "restore a backup"})
			var damage *embedded.DamagedError
			is.True(errors.As(err, &damage))
			is.True(errors.Is(err, embedded.ErrDamaged))
			is.True(strings.HasPrefix(err.Error(), path+" is damaged ("))
			is.True(strings.Contains(err.Error(), "; still readable: "))
			is.True(strings.HasSuffix(err.Error(), "; restore a backup"))
			is.True(!strings.Contains(err.Error(), "\n"))
		})
	}
}

// TestDamageFoundWhileOpenIsAnError: pages overwritten under an open
// store (the file is mapped, so its reads see them) make a read fail with
// a DamagedError, never a panic.
func TestDamageFoundWhileOpenIsAnError(t *testing.T) {
	is := is.New(t)
	path := filepath.Join(t.TempDir(), "payhook.db")
	filledStore(t, path, 300)
	s := openStore(t, path)
	defer s.Close()
	_, err := forge.DamagePages(path, rand.New(rand.NewPCG(1, 27)))
	is.NoErr(err)
	_, err = s.ListWebhooks(context.Background(), store.WebhookFilter{})
	is.True(errors.Is(err, embedded.ErrDamaged))
	is.True(strings.Contains(err.Error(), path+" is damaged ("))
}

// TestCheckReadsEveryPart: a sound store's check finds every part whole.
func TestCheckReadsEveryPart(t *testing.T) {
	is := is.New(t)
	path := filepath.Join(t.TempDir(), "payhook.db")
	filledStore(t, path, 30)
	s := openStore(t, path)
	defer s.Close()
	report, err := s.Check(context.Background(), true)
	is.NoErr(err)
	is.Equal(report.Damage, nil)
	is.True(report.Pages)
	is.True(strings.Contains(strings.Join(report.Readable, ", "), "webhooks and payments (30)"))
	is.True(strings.Contains(strings.Join(report.Readable, ", "), "the change feed (30)"))
}

// TestASnapshotIsAStoreAsItWas: what a backup copies opens as a store
// holding what the snapshot saw, whatever was written meanwhile.
func TestASnapshotIsAStoreAsItWas(t *testing.T) {
	is := is.New(t)
	dir := t.TempDir()
	s := openStore(t, filepath.Join(dir, "payhook.db"))
	defer s.Close()
	put(t, s, "evt_before")
	copied := filepath.Join(dir, "copy.db")
	err := s.InSnapshot(func(snapshot embedded.Snapshot) error {
		put(t, s, "evt_during") // a writer goes on
		f, err := os.Create(copied)
		if err != nil {
			return err
		}
		n, err := snapshot.WriteTo(f)
		is.Equal(n, snapshot.Bytes())
		is.Equal(snapshot.FeedSequence(), uint64(1))
		return errors.Join(err, f.Close())
	})
	is.NoErr(err)
	c := openStore(t, copied)
	defer c.Close()
	_, err = c.GetWebhook(context.Background(), "stripe", "evt_before")
	is.NoErr(err)
	_, err = c.GetWebhook(context.Background(), "stripe", "evt_during")
	is.True(errors.Is(err, store.ErrNotFound))
}

// TestABugIsNeverCalledDamage: the processor's code runs inside a
// transaction; a bug that panics there is an error that says so, never
// damage, whether the walk of the file that follows reads it whole or
// stops before its end (as on a large store, where the walk has two
// seconds), and its stack is logged at error.
func TestABugIsNeverCalledDamage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		within time.Duration
		state  string
	}{
		{"the walk reads the file whole", 2 * time.Second, "(the file reads whole)"},
		{"the walk stops before the file's end", time.Nanosecond, "(whether the file is damaged too is not known: its walk stopped after 1ns"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			embedded.SetReportWithinForTest(t, tc.within)
			path := filepath.Join(t.TempDir(), "payhook.db")
			filledStore(t, path, 3000)
			var logged bytes.Buffer
			s, err := embedded.Open(path, embedded.Options{Log: zerolog.New(&logged)})
			is.NoErr(err)
			defer s.Close()
			err = s.InTransaction(context.Background(), "processor", func(store.Processing, deadletter.Queue) error {
				return aBugThatPanics()
			})
			is.True(err != nil)
			is.True(!errors.Is(err, embedded.ErrDamaged))
			is.True(strings.Contains(err.Error(), "panicked in payhook's code, a bug, not damage to the file "+tc.state))
			is.True(strings.HasSuffix(err.Error(), "index out of range [0] with length 0"))
			var line struct {
				Level, Panic, Stack, Message string
			}
			is.NoErr(json.Unmarshal(logged.Bytes(), &line))
			is.Equal(line.Level, "error")
			is.Equal(line.Panic, "runtime error: index out of range [0] with length 0")
			is.True(strings.Contains(line.Stack, "embedded_test.pastTheEnd("))
		})
	}
}

// aBugThatPanics reads past the end of a slice.
func aBugThatPanics() error {
	return pastTheEnd(nil)
}

func pastTheEnd(ids []string) error {
	if ids[len(ids)] == "" {
		return errors.New("unreached")
	}
	return nil
}
