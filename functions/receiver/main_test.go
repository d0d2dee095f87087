package main_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matryer/is"
)

// TestBadSettingStopsWithOneLine builds the function and starts it with a
// bad setting: it must exit non-zero with one log line naming the variable.
func TestBadSettingStopsWithOneLine(t *testing.T) {
	is := is.New(t)
	binary := filepath.Join(t.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-o", binary, ".")
	out, err := build.CombinedOutput()
	is.NoErr(err)
	is.Equal(string(out), "")

	cases := map[string][]string{
		"PAYHOOK_MAX_BODY_BYTES: not a whole number": {"PAYHOOK_MAX_BODY_BYTES=lots"},
		"PAYHOOK_TABLE_NAME: required":               {},
		"PAYHOOK_SECRETS_ARN: must start with arn:":  {"PAYHOOK_TABLE_NAME=payhook-dev", "PAYHOOK_SECRETS_ARN=whsec_leaked"},
	}
	for want, env := range cases {
		cmd := exec.Command(binary)
		cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=/nonexistent"}, env...)
		out, err := cmd.CombinedOutput()
		is.True(err != nil) // exits non-zero
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		is.Equal(len(lines), 1)
		is.True(strings.Contains(lines[0], want))
		is.True(!strings.Contains(lines[0], "whsec_leaked"))
	}
}
