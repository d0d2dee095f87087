//go:build linux

package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
)

// childMode makes the test binary, run again as a child, stand in for a
// stand-in: "serve" listens on the port given as its argument and answers
// 200, exiting as a real one does when the port is taken; "java" does the
// same but, as DynamoDB Local's JVM does, stays alive after printing that
// it could not bind; "fail" prints numbered lines and exits 3.
const childMode = "PAYHOOK_TESTENV_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childMode) {
	case "serve":
		l, err := net.Listen("tcp", "127.0.0.1:"+os.Args[len(os.Args)-1])
		if err != nil {
			fmt.Println(err) // "listen tcp ...: bind: address already in use"
			os.Exit(1)
		}
		server := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), ReadHeaderTimeout: time.Second}
		_ = server.Serve(l)
		os.Exit(1)
	case "java":
		l, err := net.Listen("tcp", "127.0.0.1:"+os.Args[len(os.Args)-1])
		if err != nil {
			// What DynamoDB Local 1.25 prints; its JVM then lives on.
			fmt.Printf("Exception in thread \"main\" java.io.IOException: Failed to bind to 0.0.0.0/0.0.0.0:%s\n", os.Args[len(os.Args)-1])
			fmt.Println("Caused by: java.net.BindException: Address already in use")
			select {}
		}
		server := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), ReadHeaderTimeout: time.Second}
		_ = server.Serve(l)
		os.Exit(1)
	case "silent":
		select {} // neither listens nor uses processor time: stalled
	case "slow":
		// Works (uses processor time) for the seconds given, as a start
		// on a busy machine does, then serves.
		args := os.Args[len(os.Args)-2:]
		work, _ := time.ParseDuration(args[0])
		for start := time.Now(); time.Since(start) < work; {
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+args[1])
		if err != nil {
			// Its port was free when chosen, seconds ago: said as a
			// stand-in says it, so that the start is tried again.
			fmt.Println(err)
			os.Exit(1)
		}
		server := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), ReadHeaderTimeout: time.Second}
		_ = server.Serve(l)
		os.Exit(1)
	case "goinstall":
		installAndRun()
	case "fail":
		for i := 1; i <= 30; i++ {
			fmt.Printf("line %d\n", i)
		}
		os.Exit(3)
	}
	os.Exit(m.Run())
}

// serving starts the test binary as a "serve" child on ports[0].
func serving(ports []string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$", ports[0]) //nolint:gosec // G702: this test binary, on a port it chose
	cmd.Env = append(os.Environ(), childMode+"=serve")
	return cmd
}

// javaLike starts the test binary as a "java" child on ports[0], and
// records it in started.
func javaLike(started *[]*exec.Cmd) func(ports []string) *exec.Cmd {
	return func(ports []string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$", ports[0]) //nolint:gosec // G702: this test binary, on a port it chose
		cmd.Env = append(os.Environ(), childMode+"=java")
		*started = append(*started, cmd)
		return cmd
	}
}

// answers200 waits until GET / on ports[0] answers 200.
func answers200(c *child, ports []string) error {
	url := "http://127.0.0.1:" + ports[0]
	return c.waitReady(url, ports, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		_ = resp.Body.Close() // only the status matters
		if resp.StatusCode != http.StatusOK {
			return errors.New(resp.Status)
		}
		return nil
	})
}

// A port chosen free can be bound by another process before the child
// binds it. Here that process answers the probe as the stand-in would:
// the child, which could not bind, must not be taken as ready on it, and
// starts again on another port.
func TestAStandInWhosePortIsTakenStartsOnAnother(t *testing.T) {
	is := is.New(t)
	thief := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer thief.Close()
	_, taken, err := net.SplitHostPort(thief.Listener.Addr().String())
	is.NoErr(err)

	var picked [][]string
	pickPorts = func(n int) ([]string, error) {
		ports, err := freePorts(n)
		if len(picked) == 0 {
			ports = []string{taken}
		}
		picked = append(picked, ports)
		return ports, err
	}
	defer func() { pickPorts = freePorts }()

	c, ports, err := startOnFreePorts("a stand-in", time.Time{}, 1, serving, answers200)
	is.NoErr(err)
	defer c.stop()
	is.Equal(len(picked), 2) // a second start
	is.True(ports[0] != taken)
	is.NoErr(listensOn(c.cmd.Process.Pid, ports)) // the child's own port
}

// DynamoDB Local's JVM does not exit when its port is taken: it prints
// the BindException and lives on. That is seen at once, the JVM is
// killed, and the stand-in starts again on another port.
func TestAStandInThatStaysAliveWhenItsPortIsTakenIsKilledAndStartedAgain(t *testing.T) {
	is := is.New(t)
	taken := takenPort(t)

	first := true
	pickPorts = func(n int) ([]string, error) {
		if first {
			first = false
			return []string{taken}, nil
		}
		return freePorts(n)
	}
	defer func() { pickPorts = freePorts }()

	var started []*exec.Cmd
	c, ports, err := startOnFreePorts("a JVM", time.Time{}, 1, javaLike(&started), answers200)
	is.NoErr(err)
	defer c.stop()
	is.Equal(len(started), 2)               // started again
	is.True(ports[0] != taken)              // on another port
	is.True(started[0].ProcessState != nil) // the first JVM is gone
}

// takenPort is a loopback port another listener holds until the test ends.
func takenPort(t *testing.T) string {
	thief, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = thief.Close() })
	_, port, err := net.SplitHostPort(thief.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// A port taken at every start ends, after startAttempts starts, in one
// error that says so, each child killed.
func TestAStandInWhosePortIsAlwaysTakenGivesUpSayingWhy(t *testing.T) {
	is := is.New(t)
	taken := takenPort(t)
	pickPorts = func(int) ([]string, error) { return []string{taken}, nil }
	defer func() { pickPorts = freePorts }()

	var started []*exec.Cmd
	_, _, err := startOnFreePorts("a JVM", time.Time{}, 1, javaLike(&started), answers200)
	is.True(err != nil)
	is.Equal(len(started), startAttempts)
	for _, cmd := range started {
		is.True(cmd.ProcessState != nil) // killed
	}
	msg := err.Error()
	is.True(strings.HasPrefix(msg, fmt.Sprintf("a JVM: another process took its port at each of %d starts", startAttempts)))
	is.True(strings.Contains(msg, "BindException: Address already in use"))
}

// A stand-in that cannot start fails at once, saying which stand-in, how
// it exited and its last lines.
func TestAStandInThatExitsSaysWhichAndWhy(t *testing.T) {
	is := is.New(t)
	_, _, err := startOnFreePorts("the failing stand-in", time.Time{}, 1, func([]string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$") //nolint:gosec // G702: this test binary
		cmd.Env = append(os.Environ(), childMode+"=fail")
		return cmd
	}, answers200)
	is.True(err != nil)
	is.True(!errors.Is(err, errPortTaken)) // not started again
	msg := err.Error()
	is.True(strings.HasPrefix(msg, "the failing stand-in exited before answering on http://127.0.0.1:"))
	is.True(strings.Contains(msg, "exit status 3"))
	is.True(strings.Contains(msg, "line 11\n"))  // the last 20 lines
	is.True(strings.HasSuffix(msg, "\nline 30")) // ending with its last
	is.True(!strings.Contains(msg, "line 10\n"))
}

// Which process holds a port, and the processor time a start-up is
// measured by, are the child's own.
func TestPortAndProcessorTimeAreTheChilds(t *testing.T) {
	is := is.New(t)
	c, ports, err := startOnFreePorts("a stand-in", time.Time{}, 1, serving, answers200)
	is.NoErr(err)
	defer c.stop()
	is.NoErr(listensOn(c.cmd.Process.Pid, ports))
	is.True(listensOn(os.Getpid(), ports) != nil) // this process holds no such port
	used, measured := cpuTime(c.cmd.Process.Pid)
	if measured { // Linux only
		is.True(used < startupCPU)
	}
}

// runAs starts the test binary as a child in mode, with args.
func runAs(mode string, args ...string) func(ports []string) *exec.Cmd {
	return func(ports []string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], append(append([]string{"-test.run=^$"}, args...), ports...)...) //nolint:gosec // G702: this test binary
		cmd.Env = append(os.Environ(), childMode+"="+mode)
		return cmd
	}
}

// setStartLimits sets the start-up limits for one test.
func setStartLimits(t *testing.T, wall, stall time.Duration) {
	savedWall, savedStall := startupWall, startupStall
	startupWall, startupStall = wall, stall
	t.Cleanup(func() { startupWall, startupStall = savedWall, savedStall })
}

// A start that is still working is not failed by the clock: on a busy
// machine it takes many times longer than on an idle one.
// Its port, free when chosen, may be taken during those seconds (the CI
// run that found this had other packages' tests beside it): it is then
// started again on another, as every stand-in is.
func TestAStartThatProgressesIsNotFailedByTheClock(t *testing.T) {
	is := is.New(t)
	setStartLimits(t, time.Second, time.Second)
	taken, picks := takenPort(t), 0
	pickPorts = func(n int) ([]string, error) {
		picks++
		if picks == 1 {
			return []string{taken}, nil
		}
		return freePorts(n)
	}
	defer func() { pickPorts = freePorts }()
	c, ports, err := startOnFreePorts("a slow stand-in", time.Time{}, 1, runAs("slow", "3s"), answers200)
	is.NoErr(err)
	c.stop()
	is.Equal(picks, 2)
	is.True(ports[0] != taken)
}

// A child that neither answers nor does anything has stalled: its start
// fails, saying so.
func TestAStalledStartFailsSayingSo(t *testing.T) {
	is := is.New(t)
	setStartLimits(t, time.Hour, time.Second)
	_, _, err := startOnFreePorts("a stalled stand-in", time.Time{}, 1, runAs("silent"), answers200)
	is.True(err != nil)
	is.True(strings.HasPrefix(err.Error(), "a stalled stand-in stalled: no processor time used and nothing printed for 1s, not answering on http://127.0.0.1:"))
}

// However slow, a start fails before the test's deadline, naming what
// did not start, so that the test reports it rather than go test's panic.
func TestAStartFailsBeforeTheTestsDeadline(t *testing.T) {
	is := is.New(t)
	setStartLimits(t, time.Hour, time.Hour)
	_, _, err := startOnFreePorts("a stalled stand-in", time.Now().Add(2*time.Second), 1, runAs("silent"), answers200)
	is.True(err != nil)
	is.True(strings.HasPrefix(err.Error(), "a stalled stand-in did not start before the test's deadline (go test -timeout): not answering on http://127.0.0.1:"))
}

// startDeadline leaves the test time to report.
func TestStartDeadlineIsBeforeTheTests(t *testing.T) {
	is := is.New(t)
	deadline, ok := t.Deadline()
	if !ok {
		is.Equal(startDeadline(t), time.Time{})
		return
	}
	is.True(startDeadline(t).Before(deadline.Add(-4 * time.Second)))
}
