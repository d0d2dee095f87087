//go:build linux

package testenv

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
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

// clockTicks is USER_HZ, the unit of /proc's times: 100 on every Linux
// architecture Go supports.
const clockTicks = 100

// cpuTime is the processor time (user and system, all threads) process
// pid has used, from /proc/pid/stat.
func cpuTime(pid int) (time.Duration, bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name, in parentheses, may hold spaces; the fields after
	// it start with the state (field 3); utime and stime are fields 14 and 15.
	end := strings.LastIndexByte(string(stat), ')')
	if end < 0 {
		return 0, false
	}
	fields := strings.Fields(string(stat[end+1:]))
	if len(fields) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, true
}

// listensOn reports, as an error, a port among ports on which process pid
// holds no listening TCP socket: another process may hold it instead.
func listensOn(pid int, ports []string) error {
	held := map[string]bool{} // socket inodes among pid's open files
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return err
	}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(fmt.Sprintf("/proc/%d/fd", pid), fd.Name()))
		if inode, ok := strings.CutPrefix(link, "socket:["); err == nil && ok {
			held[strings.TrimSuffix(inode, "]")] = true
		}
	}
	listening := map[string]bool{} // ports pid listens on
	for _, table := range []string{"tcp", "tcp6"} {
		f, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if err != nil {
			continue // no IPv6 on this machine
		}
		scanner := bufio.NewScanner(f)
		for scanner.Scan() {
			// sl local_address rem_address st ... inode (field 10); the
			// address is hex IP:port, state 0A is LISTEN.
			fields := strings.Fields(scanner.Text())
			if len(fields) < 10 || fields[3] != "0A" || !held[fields[9]] {
				continue
			}
			_, hexPort, _ := strings.Cut(fields[1], ":")
			if port, err := strconv.ParseUint(hexPort, 16, 16); err == nil {
				listening[strconv.FormatUint(port, 10)] = true
			}
		}
		_ = f.Close() // read only
	}
	for _, port := range ports {
		if !listening[port] {
			return fmt.Errorf("port %s is not its own yet", port)
		}
	}
	return nil
}
