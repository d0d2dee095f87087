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
	"time"
)

// A stand-in's start-up is judged by its progress, not by the clock: Java's
// DynamoDB Local comes up in seconds on an idle machine and takes many
// times that on two cores shared with a cold build. A start fails when the
// child exits, when it has used startupCPU of processor time (its own,
// which a busy machine does not inflate) without answering, or after
// startupWall, the backstop for a child stuck without using any.
const (
	startupCPU  = 2 * time.Minute
	startupWall = 5 * time.Minute
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
}

// startChild starts cmd, tied to this process (startTiedToProcess).
func startChild(name string, cmd *exec.Cmd) (*child, error) {
	output, err := startTiedToProcess(cmd)
	if err != nil {
		return nil, fmt.Errorf("%s: start %s: %w", name, cmd.Path, err)
	}
	return &child{name: name, cmd: cmd, output: output}, nil
}

// stop kills the child and waits until it has exited.
func (c *child) stop() {
	_ = c.cmd.Process.Kill() // it may have exited already
	<-c.output.exited
}

// waitReady calls probe until it succeeds on ports the child itself
// listens on (not another process that holds one of them), and fails
// saying which stand-in and why: it exited (with its last lines), or it
// used its start-up budget without answering.
func (c *child) waitReady(endpoint string, ports []string, probe func(context.Context) error) error {
	start := time.Now()
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
		cpu, measured := cpuTime(c.cmd.Process.Pid)
		waited := time.Since(start).Round(time.Millisecond)
		switch {
		case measured && cpu > startupCPU:
			c.stop()
			return fmt.Errorf("%s used %s of processor time in %s without answering on %s: %w%s", c.name, cpu, waited, endpoint, err, c.tail())
		case waited > startupWall:
			c.stop()
			return fmt.Errorf("%s not answering on %s after %s (%s of processor time): %w%s", c.name, endpoint, waited, cpu, err, c.tail())
		}
	}
}

// waitAddress waits until the child prints the address it listens on
// (line has one group, the host:port), and returns it.
func (c *child) waitAddress(line *regexp.Regexp) (string, error) {
	start := time.Now()
	for {
		if m := line.FindStringSubmatch(c.output.String()); m != nil {
			return m[1], nil
		}
		select {
		case <-c.output.exited:
			return "", c.exitError("a port of its choosing")
		case <-time.After(20 * time.Millisecond):
		}
		if time.Since(start) > startupWall {
			c.stop()
			return "", fmt.Errorf("%s printed no address in %s%s", c.name, startupWall, c.tail())
		}
	}
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
func startOnFreePorts(name string, n int, command func(ports []string) *exec.Cmd, ready func(c *child, ports []string) error) (*child, []string, error) {
	for attempt := 1; ; attempt++ {
		ports, err := pickPorts(n)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		c, err := startChild(name, command(ports))
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
