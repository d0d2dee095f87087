//go:build !linux

package testenv

import (
	"errors"
	"time"
)

// FunctionCPU needs Linux's /proc.
func (e *Emulator) FunctionCPU() (time.Duration, error) {
	return 0, errors.New("a function's CPU time is read from /proc: Linux only")
}
