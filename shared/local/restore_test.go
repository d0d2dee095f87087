package local_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/provider"
)

// TestRestoreRefusesAStoreAServeHolds: a serve that does not answer (its
// serve.json gone, as a stopped, slow or failing serve looks to the CLI)
// still holds its store. restore --replace is refused and moves nothing,
// and what serve acknowledges afterwards is in the data directory's store.
func TestRestoreRefusesAStoreAServeHolds(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	s := start(t, options(t, dir, nil))
	before := post(t, s, "stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: "evt_before", PaymentID: "pi_before"})
	backup := filepath.Join(t.TempDir(), "payhook.backup")
	_, err := local.BackupToFile(ctx, dir, backup)
	is.NoErr(err)

	serveFile := filepath.Join(dir, local.ServeFile)
	is.NoErr(os.Rename(serveFile, serveFile+".away"))
	_, running := local.RunningServe(dir)
	is.True(!running)
	f, err := os.Open(backup)
	is.NoErr(err)
	defer f.Close()
	_, err = local.Restore(ctx, dir, f, true)
	is.True(err != nil)
	is.True(strings.Contains(err.Error(), filepath.Join(dir, local.DBFile)+" is in use by another process"))
	is.True(!strings.Contains(err.Error(), "\n"))
	entries, err := os.ReadDir(dir)
	is.NoErr(err)
	for _, e := range entries {
		is.True(!strings.Contains(e.Name(), ".replaced-") && !strings.Contains(e.Name(), ".restoring"))
	}

	is.NoErr(os.Rename(serveFile+".away", serveFile))
	after := post(t, s, "stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: "evt_after", PaymentID: "pi_after"})
	is.NoErr(s.Shutdown(ctx))
	st, err := local.OpenStore(dir)
	is.NoErr(err)
	defer st.Close()
	for _, id := range []string{before, after} {
		_, err := st.GetWebhook(ctx, "stripe", id)
		is.NoErr(err) // in the data directory's store, not in one moved aside
	}
}

// tarFile is one entry of a crafted backup.
type tarFile struct {
	header tar.Header
	body   []byte
}

// entriesOf reads a backup's entries.
func entriesOf(t *testing.T, backup []byte) []tarFile {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(backup))
	var files []tarFile
	for {
		header, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, tarFile{*header, body})
	}
}

// tarOf writes entries as a tar, each header's size its body's unless
// the header is not a regular file.
func tarOf(t *testing.T, files []tarFile) []byte {
	t.Helper()
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	for _, f := range files {
		header := f.header
		if header.Typeflag == tar.TypeReg {
			header.Size = int64(len(f.body))
		}
		if err := tw.WriteHeader(&header); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestRestoreRefusesACraftedBackup: a backup is a tar that anyone who
// can hand the operator a file can craft. Names that climb out of the
// data directory, links, a file twice, a manifest whose sizes or
// contents do not match: each is refused, and nothing is written inside
// the data directory or beside it.
func TestRestoreRefusesACraftedBackup(t *testing.T) {
	ctx := context.Background()
	source := filepath.Join(t.TempDir(), "data")
	s := start(t, options(t, source, nil))
	post(t, s, "stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: "evt_crafted", PaymentID: "pi_crafted"})
	waitForAuditor(t, s)
	is.New(t).NoErr(s.Shutdown(ctx))
	var backup bytes.Buffer
	is.New(t).NoErr(local.WriteBackup(ctx, source, &backup))
	good := entriesOf(t, backup.Bytes()) // backup.json, audit.jsonl, payhook.db, dev-secrets.json
	is.New(t).Equal(len(good), 4)
	manifest, trail, db, secrets := good[0], good[1], good[2], good[3]
	renamed := func(f tarFile, name string) tarFile { f.header.Name = name; return f }
	link := func(typeflag byte, name, target string) tarFile {
		return tarFile{header: tar.Header{Name: name, Linkname: target, Typeflag: typeflag, Mode: 0o600}}
	}
	edited := func(f tarFile, from, to string) tarFile {
		f.body = bytes.Replace(f.body, []byte(from), []byte(to), 1)
		return f
	}
	var m map[string]any
	is.New(t).NoErr(json.Unmarshal(manifest.body, &m))
	storeBytes := fmt.Sprintf(`"store_bytes": %v`, m["store_bytes"])
	trailBytes := fmt.Sprintf(`"trail_bytes": %v`, m["trail_bytes"])

	for _, tc := range []struct {
		name  string
		files []tarFile
		why   string
	}{
		{"the store named to climb out", []tarFile{manifest, trail, renamed(db, "../payhook.db"), secrets}, `not a payhook backup, or not as its manifest says: "../payhook.db"`},
		{"the trail at an absolute path", []tarFile{manifest, renamed(trail, "/tmp/audit.jsonl"), db, secrets}, `"/tmp/audit.jsonl"`},
		{"the store as a symbolic link", []tarFile{manifest, trail, link(tar.TypeSymlink, "payhook.db", "/etc/passwd"), secrets}, `not a payhook backup: "payhook.db"`},
		{"the trail as a hard link", []tarFile{manifest, link(tar.TypeLink, "audit.jsonl", "/etc/passwd"), db, secrets}, `not a payhook backup: "audit.jsonl"`},
		{"a directory", []tarFile{manifest, {header: tar.Header{Name: "payhook.db/", Typeflag: tar.TypeDir, Mode: 0o700}}, db, secrets}, `not a payhook backup: "payhook.db/"`},
		{"the trail twice", []tarFile{manifest, trail, trail, db, secrets}, `not a payhook backup: "audit.jsonl"`},
		{"the manifest twice", []tarFile{manifest, trail, db, secrets, manifest}, `not a payhook backup: "backup.json"`},
		{"the manifest not first", []tarFile{trail, manifest, db, secrets}, "it starts with \"audit.jsonl\", not backup.json"},
		{"a file of its own", []tarFile{manifest, trail, db, secrets, renamed(secrets, "run.sh")}, `"run.sh"`},
		{"a store larger than the manifest says", []tarFile{manifest, trail, edited(db, "", "x"), secrets}, `"payhook.db" of`},
		{"a manifest giving the store another size", []tarFile{edited(manifest, storeBytes, `"store_bytes": 4096`), trail, db, secrets}, `"payhook.db" of`},
		{"a manifest giving the trail another size", []tarFile{edited(manifest, trailBytes, `"trail_bytes": 1`), trail, db, secrets}, `"audit.jsonl" of`},
		{"a trail cut to the size the manifest says, short of its records", []tarFile{edited(manifest, trailBytes, `"trail_bytes": 3`), renamed(tarFile{header: trail.header, body: trail.body[:3]}, "audit.jsonl"), db, secrets}, "does not end as its manifest says"},
		{"no store", []tarFile{manifest, trail, secrets}, "no payhook.db"},
		{"dev secrets the manifest does not name", []tarFile{edited(manifest, `"dev_secrets": true`, `"dev_secrets": false`), trail, db, secrets}, `"dev-secrets.json"`},
		// Both meta pages zeroed: with one left, bbolt may open the older tree.
		{"a store that is not one", []tarFile{manifest, trail, edited(db, string(db.body[:8192]), strings.Repeat("\x00", 8192)), secrets}, "holds a damaged store"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			parent := t.TempDir()
			dir := filepath.Join(parent, "data")
			_, err := local.Restore(ctx, dir, bytes.NewReader(tarOf(t, tc.files)), false)
			is.True(err != nil)
			if !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("%v, not %q", err, tc.why)
			}
			for _, d := range []string{parent, dir} {
				entries, err := os.ReadDir(d)
				is.NoErr(err)
				for _, e := range entries {
					if d == parent && e.Name() == "data" {
						continue
					}
					t.Errorf("%s holds %s after a refused restore", d, e.Name())
				}
			}
		})
	}
}
