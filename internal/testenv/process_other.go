//go:build !linux

package testenv

import (
	"os/exec"
	"time"
)

// startTiedToProcess starts cmd and returns what it prints. Only Linux can
// have the kernel kill a child when its parent dies (Pdeathsig); elsewhere
// an emulator outlives a test process that is killed outright, and is
// stopped with the machine or by hand.
func startTiedToProcess(cmd *exec.Cmd) (*lockedBuffer, error) {
	output := &lockedBuffer{exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = output, output
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = cmd.Wait()
		close(output.exited)
	}()
	return output, nil
}

// cpuTime is not measured here: a start-up waits by the clock alone
// (startupWall).
func cpuTime(int) (time.Duration, bool) { return 0, false }

// listensOn cannot tell here which process holds a port: a child that
// answers is taken to be the one listening, and one that could not bind
// exits, which startOnFreePorts sees.
func listensOn(int, []string) error { return nil }
