//go:build linux

package testenv

import (
	"os/exec"
	"runtime"
	"syscall"
)

// startTiedToProcess starts cmd so that it is killed when this test process
// exits, however it exits: the kernel sends SIGKILL when the starting thread
// dies, and that thread stays locked to a goroutine that waits on cmd for as
// long as the process lives. It returns what cmd prints, safe to read while
// cmd still writes.
func startTiedToProcess(cmd *exec.Cmd) (*lockedBuffer, error) {
	output := &lockedBuffer{exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = output, output
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			close(output.exited)
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		close(output.exited)
	}()
	return output, <-started
}
