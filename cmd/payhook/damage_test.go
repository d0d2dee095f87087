//go:build !sandbox

package main_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/forge"
	"github.com/payhook/payhook/shared/local"
)

// TestEveryCommandNamesADamagedStoreInOneLine damages copies of a store
// as a failing disk does (64 random bytes into every page after the meta
// pages) and runs every command that reads a store on each: each answers
// with one line naming the file and what still reads, and exits 1; none
// panics. A restore of a backup holding such a store fails the same way.
func TestEveryCommandNamesADamagedStoreInOneLine(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	backup := servedAndBackedUp(t, dir, 8, 300)

	for seed := range uint64(3) {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			is := is.New(t)
			damaged := filepath.Join(t.TempDir(), "damaged")
			copyDataDir(t, dir, damaged)
			db := filepath.Join(damaged, local.DBFile)
			pages, err := forge.DamagePages(db, rand.New(rand.NewPCG(seed, 27)))
			is.NoErr(err)
			t.Logf("%d pages damaged", pages)
			damagedBackup := filepath.Join(t.TempDir(), "damaged.backup")
			damageInBackup(t, backup, damagedBackup, rand.New(rand.NewPCG(seed, 27)))

			for _, args := range [][]string{
				{"serve", "--addr", "127.0.0.1:0", "--data", damaged},
				{"events", "--data", damaged},
				{"events", "--forwards-failed", "--data", damaged},
				{"payments", "--data", damaged},
				{"redrive", "--all", "--data", damaged},
				{"redrive", "--stuck", "15m", "--data", damaged},
				{"reconcile", "stripe", "--data", damaged},
				{"forward", "status", "--data", damaged},
				{"audit", "verify", "--data", damaged},
				{"backup", "--data", damaged, filepath.Join(t.TempDir(), "of-damaged.backup")},
				{"check", "--data", damaged},
				{"restore", "--data", filepath.Join(t.TempDir(), "new"), damagedBackup},
			} {
				stdout, stderr, code := payhook(t, args...)
				command := strings.Join(args[:2], " ")
				if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, " is damaged (") ||
					!strings.Contains(stderr, "; still readable: ") || strings.Contains(stderr+stdout, "goroutine") {
					t.Fatalf("payhook %s: exit %d\nstderr: %s\nstdout: %s", command, code, stderr, firstLines(stdout, 5))
				}
				if args[0] != "restore" {
					is.True(strings.Contains(stderr, db+" is damaged ("))
				}
			}
		})
	}
}

// copyDataDir copies a data directory's files.
func copyDataDir(t *testing.T, from, to string) {
	t.Helper()
	is := is.New(t)
	is.NoErr(os.MkdirAll(to, 0o700))
	for _, name := range []string{local.DBFile, local.AuditFile, local.DevSecretsFile} {
		raw, err := os.ReadFile(filepath.Join(from, name))
		is.NoErr(err)
		is.NoErr(os.WriteFile(filepath.Join(to, name), raw, 0o600))
	}
}

// damageInBackup copies a backup with its store damaged.
func damageInBackup(t *testing.T, from, to string, rng *rand.Rand) {
	t.Helper()
	is := is.New(t)
	raw, err := os.ReadFile(from)
	is.NoErr(err)
	var out bytes.Buffer
	tr, tw := tar.NewReader(bytes.NewReader(raw)), tar.NewWriter(&out)
	for {
		header, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		is.NoErr(err)
		content, err := io.ReadAll(tr)
		is.NoErr(err)
		if header.Name == local.DBFile {
			db := filepath.Join(t.TempDir(), local.DBFile)
			is.NoErr(os.WriteFile(db, content, 0o600))
			_, err := forge.DamagePages(db, rng)
			is.NoErr(err)
			content, err = os.ReadFile(db)
			is.NoErr(err)
		}
		is.NoErr(tw.WriteHeader(header))
		_, err = tw.Write(content)
		is.NoErr(err)
	}
	is.NoErr(tw.Close())
	is.NoErr(os.WriteFile(to, out.Bytes(), 0o600))
}
