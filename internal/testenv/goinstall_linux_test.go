//go:build linux

package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
)

// fakePackage is what the "goinstall" children install with a fake go.
const fakePackage = "example.com/fake/cmd@v1.0.0"

// fakeGo stands in for go install: it counts its runs, and writes the
// binary in two parts a second apart, as a copy into GOBIN does, so that
// a process that takes a half-written binary for an installed one runs it.
const fakeGo = `#!/bin/sh
echo run >> "$PAYHOOK_FAKE_GO_RUNS"
printf '#!/bin/sh\n' > "$GOBIN/cmd"
chmod +x "$GOBIN/cmd"
sleep 1
printf 'echo installed\n' >> "$GOBIN/cmd"
`

// installAndRun is a "goinstall" child: it installs fakePackage, runs
// what it got and prints its output.
func installAndRun() {
	binary, err := goInstall(fakePackage, time.Time{})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	out, err := exec.Command(binary).CombinedOutput() //nolint:gosec // G204: the binary just installed
	fmt.Printf("%s%v\n", out, err)
	os.Exit(0)
}

// Test processes start side by side and install the same stand-in at
// once: one installs, the other waits for it and gets the whole binary,
// never a half-written one.
func TestTwoProcessesInstallingAtOnceInstallOnce(t *testing.T) {
	is := is.New(t)
	bin := t.TempDir()
	is.NoErr(os.WriteFile(filepath.Join(bin, "go"), []byte(fakeGo), 0o755)) //nolint:gosec // G306: an executable
	runs := filepath.Join(t.TempDir(), "runs")
	cache := t.TempDir()
	installer := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$") //nolint:gosec // G702: this test binary
		cmd.Env = append(os.Environ(), childMode+"=goinstall", "PATH="+bin+":"+os.Getenv("PATH"),
			"PAYHOOK_TEST_CACHE="+cache, "PAYHOOK_FAKE_GO_RUNS="+runs)
		return cmd
	}
	first, second := installer(), installer()
	var firstOut, secondOut strings.Builder
	first.Stdout, second.Stdout = &firstOut, &secondOut
	is.NoErr(first.Start())
	// The second starts once the first is installing.
	for {
		if _, err := os.Stat(runs); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	is.NoErr(second.Start())
	is.NoErr(first.Wait())
	is.NoErr(second.Wait())
	is.Equal(firstOut.String(), "installed\n<nil>\n")
	is.Equal(secondOut.String(), "installed\n<nil>\n")
	counted, err := os.ReadFile(runs)
	is.NoErr(err)
	is.Equal(string(counted), "run\n") // installed once
}
