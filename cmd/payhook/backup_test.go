//go:build !sandbox

package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/forge"
	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/operate"
)

// TestABackupUnderLoadRestores takes a backup through a running serve
// while deliveries flow. It restores to a data directory that check and
// audit verify pass, holding every webhook acknowledged before the backup
// began; a serve started on it goes on from there, its trail too.
func TestABackupUnderLoadRestores(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	serveCmd, load := serveUnderLoad(t, dir, 8, 200)

	before := load.acked()
	backup := filepath.Join(t.TempDir(), "payhook.backup")
	stdout, stderr, code := payhook(t, "backup", "--data", dir, backup)
	is.Equal(stderr, "")
	is.Equal(code, 0)
	is.True(strings.HasPrefix(stdout, "backed up "+dir+" to "+backup))
	during := len(load.acked()) - len(before)
	wait.Until(t, 30*time.Second, "deliveries to go on after the backup", func() bool { return len(load.acked()) >= len(before)+during+50 })
	after := load.stop()
	t.Logf("%d acknowledged before the backup, %d while it ran, %d in all", len(before), during, len(after))

	restored := filepath.Join(t.TempDir(), "restored")
	stdout, stderr, code = payhook(t, "restore", "--data", restored, backup)
	is.Equal(stderr, "")
	is.Equal(code, 0)
	is.True(strings.Contains(stdout, "payhook reconcile each provider --since "))
	checkPasses(t, restored)
	stored := storedIDs(t, restored)
	for _, id := range before {
		if !stored[id] {
			t.Fatalf("%s was acknowledged before the backup and is not in it", id)
		}
	}

	// Serve goes on from the restored store: it processes what the backup
	// held unprocessed, and the trail goes on with the store's changes.
	second, secondInfo := startServe(t, restored)
	wait.Until(t, 60*time.Second, "every restored webhook to be processed", func() bool {
		stdout, _, _ := payhook(t, "events", "--json", "--status", "PROCESSED", "--limit", "1000", "--data", restored)
		var page operate.EventPage
		return json.Unmarshal([]byte(stdout), &page) == nil && len(page.Events) == len(stored)
	})
	waitForAuditor(t, secondInfo)
	is.NoErr(second.Process.Signal(syscall.SIGTERM))
	is.NoErr(second.Wait())
	checkPasses(t, restored)

	is.NoErr(serveCmd.Process.Signal(syscall.SIGTERM))
	is.NoErr(serveCmd.Wait())
	checkPasses(t, dir)
}

// checkPasses runs payhook check and payhook audit verify on dir.
func checkPasses(t *testing.T, dir string) {
	t.Helper()
	for _, args := range [][]string{{"check", "--data", dir}, {"audit", "verify", "--data", dir}} {
		stdout, stderr, code := payhook(t, args...)
		if code != 0 || stderr != "" {
			t.Fatalf("payhook %s: exit %d, %s\n%s", strings.Join(args, " "), code, strings.TrimSpace(stderr), firstLines(stdout, 5))
		}
	}
}

// storedIDs are the event ids of the webhooks stored in dir.
func storedIDs(t *testing.T, dir string) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	for cursor := ""; ; {
		stdout, stderr, code := payhook(t, "events", "--json", "--limit", "1000", "--cursor", cursor, "--data", dir)
		if code != 0 {
			t.Fatalf("payhook events: %s", stderr)
		}
		var page operate.EventPage
		if err := json.Unmarshal([]byte(stdout), &page); err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Events {
			ids[v.EventID] = true
		}
		if page.Next == "" {
			return ids
		}
		cursor = page.Next
	}
}

// TestARestoreNeedsAWholeBackup: what is not one is refused in one line.
func TestARestoreNeedsAWholeBackup(t *testing.T) {
	is := is.New(t)
	_, stderr, code := payhook(t, "restore", "--data", t.TempDir(), filepath.Join(t.TempDir(), "no-such.backup"))
	is.Equal(code, 1)
	is.Equal(strings.Count(stderr, "\n"), 1)
	notABackup := filepath.Join(t.TempDir(), "not-a.backup")
	is.NoErr(os.WriteFile(notABackup, []byte("hello"), 0o600))
	_, stderr, code = payhook(t, "restore", "--data", filepath.Join(t.TempDir(), "new"), notABackup)
	is.Equal(code, 1)
	is.True(strings.Contains(stderr, "not a whole payhook backup"))
	_, stderr, code = payhook(t, "backup", "--data", t.TempDir(), "one", "two")
	is.Equal(code, 2)
	is.Equal(strings.Count(stderr, "\n"), 1)
}

// TestRestoreRefusesAStoppedServe: a serve stopped with SIGSTOP answers
// nothing, yet holds its store. restore --replace is refused in one line,
// and every webhook the serve acknowledges once it goes on is in the data
// directory's store, none in a file moved aside.
func TestRestoreRefusesAStoppedServe(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	serveCmd, load := serveUnderLoad(t, dir, 2, 20)
	backup := filepath.Join(t.TempDir(), "payhook.backup")
	_, stderr, code := payhook(t, "backup", "--data", dir, backup)
	is.Equal(stderr, "")
	is.Equal(code, 0)

	is.NoErr(serveCmd.Process.Signal(syscall.SIGSTOP))
	_, stderr, code = payhook(t, "restore", "--data", dir, "--replace", backup)
	is.NoErr(serveCmd.Process.Signal(syscall.SIGCONT))
	is.Equal(code, 1)
	is.Equal(strings.Count(stderr, "\n"), 1)
	is.True(strings.Contains(stderr, filepath.Join(dir, "payhook.db")+" is in use by another process"))

	acked := len(load.acked())
	wait.Until(t, 30*time.Second, "deliveries acknowledged after the refused restore", func() bool { return len(load.acked()) >= acked+20 })
	all := load.stop()
	is.NoErr(serveCmd.Process.Signal(syscall.SIGTERM))
	is.NoErr(serveCmd.Wait())
	stored := storedIDs(t, dir)
	for _, id := range all {
		if !stored[id] {
			t.Fatalf("%s was acknowledged and is not in %s's store", id, dir)
		}
	}
}

// TestABackupAnchorsTheTrail: someone who can write the data directory
// can rewrite a record and compute its digest anew; every chain still
// holds. A backup kept elsewhere recorded the trail's digest, and audit
// verify --anchor shows the rewrite.
func TestABackupAnchorsTheTrail(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	backup := servedAndBackedUp(t, dir, 2, 20)
	stdout, stderr, code := payhook(t, "audit", "verify", "--data", dir, "--anchor", backup)
	is.Equal(stderr, "")
	is.Equal(code, 0)
	is.True(strings.Contains(stdout, "every chain holds"))

	rewritten := filepath.Join(t.TempDir(), "rewritten")
	copyDataDir(t, dir, rewritten)
	path := filepath.Join(rewritten, local.AuditFile)
	raw, err := os.ReadFile(path)
	is.NoErr(err)
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	lines[0], err = forge.RewriteRecord(lines[0], `"actor":"receiver"`, `"actor":"reconcile"`)
	is.NoErr(err)
	is.NoErr(os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600))
	_, _, code = payhook(t, "audit", "verify", "--data", rewritten)
	is.Equal(code, 0) // what the chain alone cannot show
	stdout, stderr, code = payhook(t, "audit", "verify", "--data", rewritten, "--anchor", backup)
	is.Equal(code, 1)
	is.True(strings.Contains(stdout, "are not those the backup of "))
	is.True(strings.Contains(stdout, "records before it were rewritten"))
	is.Equal(strings.Count(stderr, "\n"), 1)
}

// servedAndBackedUp runs serve on dir under load from senders until acked
// deliveries are acknowledged, stops it, and backs dir up: the backup's
// path.
func servedAndBackedUp(t *testing.T, dir string, senders, acked int) string {
	t.Helper()
	is := is.New(t)
	serveCmd, load := serveUnderLoad(t, dir, senders, acked)
	load.stop()
	is.NoErr(serveCmd.Process.Signal(syscall.SIGTERM))
	is.NoErr(serveCmd.Wait())
	backup := filepath.Join(t.TempDir(), "payhook.backup")
	_, stderr, code := payhook(t, "backup", "--data", dir, backup)
	is.Equal(stderr, "")
	is.Equal(code, 0)
	return backup
}
