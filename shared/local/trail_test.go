package local_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/local"
)

// TestServeRefusesATrailFromAnotherStore: a trail that holds changes the
// store never made (an old store put back without its trail) would make
// the auditor skip the store's next changes as already written.
func TestServeRefusesATrailFromAnotherStore(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	is.NoErr(os.MkdirAll(dir, 0o700))
	line := `{"audit":{"pk":"PAYMENT#stripe#pi_1","sk":"STATE","sequence_number":"000000000000000000042","record_sha256":"x"}}` + "\n"
	is.NoErr(os.WriteFile(filepath.Join(dir, local.AuditFile), []byte(line), 0o600))
	_, err := local.Start(options(t, dir, nil))
	is.True(err != nil)
	is.True(strings.Contains(err.Error(), "holds records up to change 42, past the store's last change 0"))
}
