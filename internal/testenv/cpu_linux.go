//go:build linux

package testenv

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// FunctionCPU is the CPU time the function has used so far, user and
// system, every thread: the bootstrap the emulator started (and anything
// it started), not the emulator itself, whose work Lambda does not bill.
// It is zero before the first invocation starts the bootstrap. /proc
// counts in hundredths of a second, so measure over many invocations.
func (e *Emulator) FunctionCPU() (time.Duration, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return 0, err
	}
	type proc struct{ parent, ticks int }
	procs := map[int]proc{}
	for _, path := range stats {
		raw, err := os.ReadFile(path)
		if err != nil {
			continue // ended meanwhile
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		// After the command's name, in parentheses, which may hold spaces:
		// state ppid ... utime (14th field) stime (15th).
		end := bytes.LastIndexByte(raw, ')')
		if end < 0 {
			continue
		}
		fields := bytes.Fields(raw[end+1:])
		if len(fields) < 13 {
			continue
		}
		parent, _ := strconv.Atoi(string(fields[1]))
		user, _ := strconv.Atoi(string(fields[11]))
		system, _ := strconv.Atoi(string(fields[12]))
		procs[pid] = proc{parent, user + system}
	}
	root := e.cmd.Process.Pid
	if _, ok := procs[root]; !ok {
		return 0, fmt.Errorf("the emulator (pid %d) is not running", root)
	}
	descends := func(pid int) bool {
		for seen := 0; pid > 1 && seen < len(procs); seen++ {
			p, ok := procs[pid]
			if !ok {
				return false
			}
			if p.parent == root {
				return true
			}
			pid = p.parent
		}
		return false
	}
	ticks := 0
	for pid, p := range procs {
		if descends(pid) {
			ticks += p.ticks
		}
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}
