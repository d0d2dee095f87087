package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A stand-in's start-up is judged by its progress, not by the clock: Java's
// DynamoDB Local comes up in seconds on an idle machine and takes many
// times that on two cores shared with a cold build. A start fails when the
// child exits; when it has used startupCPU of processor time (its own,
// which a busy machine does not inflate) without answering; when it has
// stalled, neither using processor time nor printing for startupStall (a
// starved child still gets some processor time in that long); and before
// the test's deadline, whatever else (startDeadline). startupWall is the
// backstop where processor time cannot be measured (not on Linux).
var (
	startupCPU   = 2 * time.Minute
	startupStall = 2 * time.Minute
	startupWall  = 5 * time.Minute
)

const (
	// startAttempts bounds the restarts of a stand-in whose port another
	// process took between our choosing it and the child binding it.
	startAttempts = 5
	// lastLines is how much of a failed child's output an error quotes.
	lastLines = 20
)

// errPortTaken is what a start failed with when the child could not bind
// a port it was given.
var errPortTaken = errors.New("port taken")

// child is a stand-in process this test process started.
type child struct {
	// name says which stand-in it is in errors: "DynamoDB Local".
	name   string
	cmd    *exec.Cmd
	output *lockedBuffer
	// deadline is when its start must have failed, if it has not
	// succeeded, for the test to still report it (startDeadline); zero
	// for none.
	deadline time.Time
}

// startChild starts cmd, tied to this process (startTiedToProcess).
func startChild(name string, deadline time.Time, cmd *exec.Cmd) (*child, error) {
	output, err := startTiedToProcess(cmd)
	if err != nil {
		return nil, fmt.Errorf("%s: start %s: %w", name, cmd.Path, err)
	}
	return &child{name: name, cmd: cmd, output: output, deadline: deadline}, nil
}

// startDeadline is the time by which a stand-in t waits for must have
// started or failed: t's deadline (go test -timeout), less a margin for
// t to report the failure and clean up. Zero when t has none.
func startDeadline(t testing.TB) time.Time {
	withDeadline, ok := t.(interface{ Deadline() (time.Time, bool) })
	if !ok {
		return time.Time{}
	}
	deadline, ok := withDeadline.Deadline()
	if !ok {
		return time.Time{}
	}
	return deadline.Add(-min(30*time.Second, max(5*time.Second, time.Until(deadline)/10)))
}

// stop kills the child and waits until it has exited.
func (c *child) stop() {
	_ = c.cmd.Process.Kill() // it may have exited already
	<-c.output.exited
}

// waitReady calls probe until it succeeds on ports the child itself
// listens on (not another process that holds one of them), and fails
// saying which stand-in and why: it exited (with its last lines), it could
// not bind its port, or its start failed as startWatch says.
func (c *child) waitReady(endpoint string, ports []string, probe func(context.Context) error) error {
	watch := c.watchStart()
	pause := 10 * time.Millisecond
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := probe(ctx)
		cancel()
		if err == nil {
			if err = listensOn(c.cmd.Process.Pid, ports); err == nil {
				return nil
			}
		}
		if c.couldNotBind() {
			c.stop()
			return portTaken{fmt.Errorf("%s could not bind its port for %s and was killed: %w%s", c.name, endpoint, err, c.tail())}
		}
		select {
		case <-c.output.exited:
			return c.exitError(endpoint)
		case <-time.After(pause):
			pause = min(2*pause, 100*time.Millisecond)
		}
		if failed := watch.failed("answering on " + endpoint); failed != nil {
			c.stop()
			return fmt.Errorf("%w: %w%s", failed, err, c.tail())
		}
	}
}

// waitAddress waits until the child prints the address it listens on
// (line has one group, the host:port), and returns it.
func (c *child) waitAddress(line *regexp.Regexp) (string, error) {
	watch := c.watchStart()
	for {
		if m := line.FindStringSubmatch(c.output.String()); m != nil {
			return m[1], nil
		}
		select {
		case <-c.output.exited:
			return "", c.exitError("a port of its choosing")
		case <-time.After(20 * time.Millisecond):
		}
		if failed := watch.failed("printing the address it listens on"); failed != nil {
			c.stop()
			return "", fmt.Errorf("%w%s", failed, c.tail())
		}
	}
}

// startWatch follows a child's start-up for the limits above.
type startWatch struct {
	c     *child
	start time.Time
	// cpu and printed are the progress last seen, at moved.
	cpu     time.Duration
	printed int
	moved   time.Time
}

func (c *child) watchStart() *startWatch {
	now := time.Now()
	return &startWatch{c: c, start: now, moved: now}
}

// failed says why the start has failed, not yet doing what (such as
// "answering on URL"), or nil while it may still succeed.
func (w *startWatch) failed(what string) error {
	now := time.Now()
	cpu, measured := cpuTime(w.c.cmd.Process.Pid)
	if printed := len(w.c.output.String()); cpu > w.cpu || printed > w.printed {
		w.cpu, w.printed, w.moved = cpu, printed, now
	}
	waited := now.Sub(w.start).Round(time.Millisecond)
	switch {
	case !w.c.deadline.IsZero() && now.After(w.c.deadline):
		return fmt.Errorf("%s did not start before the test's deadline (go test -timeout): not %s after %s (%s of processor time)", w.c.name, what, waited, cpu)
	case measured && cpu > startupCPU:
		return fmt.Errorf("%s used %s of processor time in %s without %s", w.c.name, cpu, waited, what)
	case measured && now.Sub(w.moved) > startupStall:
		return fmt.Errorf("%s stalled: no processor time used and nothing printed for %s, not %s after %s (%s of processor time)", w.c.name, startupStall, what, waited, cpu)
	case !measured && now.Sub(w.start) > startupWall:
		return fmt.Errorf("%s not %s after %s", w.c.name, what, waited)
	}
	return nil
}

// exitError says that the child exited before answering, how, and what it
// printed last. It is errPortTaken when the child could not bind its port.
func (c *child) exitError(endpoint string) error {
	err := fmt.Errorf("%s exited before answering on %s: %s%s", c.name, endpoint, c.cmd.ProcessState, c.tail())
	if c.couldNotBind() {
		return portTaken{err}
	}
	return err
}

// couldNotBind says whether the child printed that a port it was given is
// taken. Go's stand-ins then exit; DynamoDB Local's JVM prints a
// BindException and lives on, so exiting is not the only sign.
func (c *child) couldNotBind() bool {
	return strings.Contains(strings.ToLower(c.output.String()), "address already in use")
}

// portTaken is a start that failed because a port was taken: it is
// errPortTaken, and says what the child said.
type portTaken struct{ error }

func (portTaken) Is(target error) bool { return target == errPortTaken }

// tail is the child's last lines of output, for an error message.
func (c *child) tail() string {
	out := strings.TrimRight(c.output.String(), "\n")
	if out == "" {
		return "\n(it printed nothing)"
	}
	lines := strings.Split(out, "\n")
	if len(lines) > lastLines {
		lines = lines[len(lines)-lastLines:]
	}
	return "\nits last lines:\n" + strings.Join(lines, "\n")
}

// startOnFreePorts starts a stand-in that must be told its ports: Java's
// DynamoDB Local, goaws and the runtime interface emulator neither take a
// listener nor report a port they chose. It picks n free loopback ports
// and starts command(ports); when another process took one of them before
// the child bound it, it starts the child again on new ones. ready waits
// for the child, as waitReady does.
func startOnFreePorts(name string, deadline time.Time, n int, command func(ports []string) *exec.Cmd, ready func(c *child, ports []string) error) (*child, []string, error) {
	for attempt := 1; ; attempt++ {
		ports, err := pickPorts(n)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		c, err := startChild(name, deadline, command(ports))
		if err != nil {
			return nil, nil, err
		}
		err = ready(c, ports)
		if err == nil {
			return c, ports, nil
		}
		c.stop()
		if !errors.Is(err, errPortTaken) {
			return nil, nil, err
		}
		if attempt == startAttempts {
			return nil, nil, fmt.Errorf("%s: another process took its port at each of %d starts; the last: %w", name, startAttempts, err)
		}
	}
}

// pickPorts chooses the ports startOnFreePorts gives a child; tests
// replace it to hand out a port that is taken.
var pickPorts = freePorts

// freePorts asks the kernel for n distinct free loopback ports. They are
// free when it returns, and stay so only until another process binds one:
// startOnFreePorts retries for that.
func freePorts(n int) ([]string, error) {
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			_ = l.Close() // released for the child to bind
		}
	}()
	ports := make([]string, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		listeners = append(listeners, l)
		ports[i] = strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
