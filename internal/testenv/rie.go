package testenv

import (
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Emulator is one function running under the emulator.
type Emulator struct {
	// URL invokes the function.
	URL    string
	output *lockedBuffer
	cmd    *exec.Cmd
}

var (
	initReport   = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)
	invokeReport = regexp.MustCompile(`REPORT RequestId: \S+\t(?:Init Duration: [0-9.]+ ms\t)?Duration: ([0-9.]+) ms`)
)

// Reports returns the init duration and each invocation's duration, as the
// emulator reports them (what Lambda's REPORT lines would say).
func (e *Emulator) Reports() (initMs float64, invokeMs []float64) {
	out := e.output.String()
	if m := initReport.FindStringSubmatch(out); m != nil {
		initMs, _ = strconv.ParseFloat(m[1], 64)
	}
	for _, m := range invokeReport.FindAllStringSubmatch(out, -1) {
		d, _ := strconv.ParseFloat(m[1], 64)
		invokeMs = append(invokeMs, d)
	}
	return initMs, invokeMs
}

// Output is what the emulator and the function wrote so far: the
// function's log lines among the emulator's own.
func (e *Emulator) Output() string { return e.output.String() }

// Stop shuts the emulator and the function it runs down before the test
// ends, so that the next start of the same function is cold, and returns
// once all the emulator printed can be read from Reports.
func (e *Emulator) Stop() {
	_ = e.cmd.Process.Signal(syscall.SIGTERM) // the emulator stops its runtime; it may have exited already
	select {
	case <-e.output.exited:
	case <-time.After(5 * time.Second):
		_ = e.cmd.Process.Kill() // it would not stop
		<-e.output.exited
	}
}

// RuntimeEmulator runs bootstrap under the Lambda Runtime Interface Emulator
// with env (on top of a clean environment) until the test ends. The
// emulator starts bootstrap on the first invocation, as Lambda does on a
// cold start.
func RuntimeEmulator(t testing.TB, bootstrap string, env []string) *Emulator {
	t.Helper()
	rie, err := goInstall(riePackage)
	if err != nil {
		t.Fatalf("runtime interface emulator: %v", err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	apiPort, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(rie, "--log-level", "info",
		"--runtime-interface-emulator-address", "127.0.0.1:"+port, "--runtime-api-address", "127.0.0.1:"+apiPort, bootstrap)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "AWS_LAMBDA_FUNCTION_NAME=" + filepath.Base(filepath.Dir(bootstrap))}, env...)
	output, err := startTiedToProcess(cmd)
	if err != nil {
		t.Fatalf("start the runtime interface emulator: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // it may have exited already
		if t.Failed() {
			t.Logf("runtime interface emulator output:\n%s", output.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", "127.0.0.1:"+port, 100*time.Millisecond)
		if err == nil {
			_ = conn.Close() // only a probe
			return &Emulator{URL: "http://127.0.0.1:" + port + "/2015-03-31/functions/function/invocations", output: output, cmd: cmd}
		}
		if time.Now().After(deadline) {
			t.Fatalf("runtime interface emulator not listening: %s", strings.TrimSpace(output.String()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
