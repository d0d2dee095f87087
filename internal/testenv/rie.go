package testenv

import (
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
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
	rie, err := goInstall(riePackage, startDeadline(t))
	if err != nil {
		t.Fatalf("runtime interface emulator: %v", err)
	}
	function := filepath.Base(filepath.Dir(bootstrap))
	c, ports, err := startOnFreePorts("the runtime interface emulator of "+function, startDeadline(t), 2, func(ports []string) *exec.Cmd {
		cmd := exec.Command(rie, "--log-level", "info",
			"--runtime-interface-emulator-address", "127.0.0.1:"+ports[0], "--runtime-api-address", "127.0.0.1:"+ports[1], bootstrap)
		cmd.Env = append([]string{"PATH=/usr/bin:/bin", "AWS_LAMBDA_FUNCTION_NAME=" + function}, env...)
		return cmd
	}, func(c *child, ports []string) error {
		// It binds both ports as it starts, and starts bootstrap only on
		// the first invocation.
		return c.waitReady("127.0.0.1:"+ports[0], ports, func(ctx context.Context) error {
			conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", "127.0.0.1:"+ports[0])
			if err == nil {
				_ = conn.Close() // only a probe
			}
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.stop()
		if t.Failed() {
			t.Logf("runtime interface emulator output:\n%s", c.output.String())
		}
	})
	return &Emulator{URL: "http://127.0.0.1:" + ports[0] + "/2015-03-31/functions/function/invocations", output: c.output, cmd: c.cmd}
}
