//go:build !sandbox

// Excluded from Nix's sandbox: the flake's source holds the Go tree only,
// not docs/ or tofu/.

package main

import (
	"testing"

	"github.com/matryer/is"
)

func TestTheCapacityModelIsCurrent(t *testing.T) {
	is.New(t).NoErr(run("../..", false))
}
