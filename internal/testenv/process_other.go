//go:build !linux

package testenv

import "os/exec"

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
