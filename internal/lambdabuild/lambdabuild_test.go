package lambdabuild_test

import (
	"crypto/rand"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/lambdabuild"
)

// Check refuses a zip over the budget before reading it, and one whose
// bootstrap is not a linux/arm64 executable.
func TestCheckRefusesWhatCannotBeDeployed(t *testing.T) {
	incompressible := make([]byte, lambdabuild.MaxZipBytes)
	_, _ = rand.Read(incompressible) // never fails
	cases := map[string]struct {
		binary []byte
		want   string
	}{
		"over the budget":   {incompressible, "over the budget of 8388608 (8 MB)"},
		"not an executable": {[]byte("#!/bin/sh\necho hello\n"), "bootstrap is not an ELF executable"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			archive, err := lambdabuild.Zip(c.binary)
			is.NoErr(err)
			err = lambdabuild.Check(archive)
			is.True(err != nil)
			is.True(strings.Contains(err.Error(), c.want))
		})
	}
}
