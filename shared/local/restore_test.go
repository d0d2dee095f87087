package local_test

import (
	"context"
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
