package embedded_test

import (
	"path/filepath"
	"testing"

	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
	"github.com/payhook/payhook/shared/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Table {
		s, err := embedded.Open(filepath.Join(t.TempDir(), "payhook.db"), embedded.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
