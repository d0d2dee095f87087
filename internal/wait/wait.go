// Package wait is the one way tests wait for something asynchronous: poll
// a condition until it holds or a deadline passes, then fail saying what
// never happened.
package wait

import (
	"testing"
	"time"
)

// Until polls cond every few milliseconds until it returns true, and fails
// the test if it has not within timeout. what says what was awaited.
func Until(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	pause := time.Millisecond
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s, still waiting for %s", timeout, what)
		}
		time.Sleep(pause)
		pause = min(2*pause, 50*time.Millisecond)
	}
}
