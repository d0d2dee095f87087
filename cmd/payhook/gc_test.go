package main

import (
	"math"
	"os"
	"runtime/debug"
	"testing"

	"github.com/matryer/is"
)

// TestServeLeavesTheGarbageCollectorItIsGiven: serve collects less often
// than Go's default, unless its environment says how to collect.
func TestServeLeavesTheGarbageCollectorItIsGiven(t *testing.T) {
	gcPercent, memoryLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() {
		debug.SetGCPercent(gcPercent)
		debug.SetMemoryLimit(memoryLimit)
	})
	for name, c := range map[string]struct {
		env     map[string]string
		percent int
		limit   int64
	}{
		"nothing set":    {map[string]string{}, 400, 1 << 30},
		"GOGC set":       {map[string]string{"GOGC": "100"}, 100, math.MaxInt64},
		"GOMEMLIMIT set": {map[string]string{"GOMEMLIMIT": "512MiB"}, 100, math.MaxInt64},
	} {
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			for _, key := range []string{"GOGC", "GOMEMLIMIT"} {
				t.Setenv(key, c.env[key]) // restored after the test
				if _, set := c.env[key]; !set {
					is.NoErr(os.Unsetenv(key))
				}
			}
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
			collectGarbageLessOften()
			is.Equal(debug.SetGCPercent(100), c.percent)
			is.Equal(debug.SetMemoryLimit(math.MaxInt64), c.limit)
		})
	}
}
