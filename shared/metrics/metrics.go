// Package metrics is the port the use cases report what they did to:
// counts and latencies, labelled only by provider, outcome, operation,
// consumer or destination names, never by an event, a payment or anything
// of a payload. Its adapters sit beside it: prom (Prometheus, on serve's
// admin listener) and emf (CloudWatch Embedded Metric Format, in the
// Lambdas' logs).
package metrics

import (
	"sync"
	"time"
)

// Recorder receives what happened. Implementations are safe for concurrent
// use; a nil Recorder is allowed wherever one is held (see Or).
type Recorder interface {
	// Delivery is one delivery the receiver answered: its route's provider
	// (UnknownProvider for a path no route serves), the outcome it logged,
	// and how long answering took.
	Delivery(provider, outcome string, took time.Duration)
	// Processed is one webhook the processor finished, with its verdict's
	// outcome (payment.Outcome).
	Processed(provider, outcome string)
	// Failed is one webhook the processor gave up on: FAILED, and named on
	// the dead-letter queue.
	Failed(provider string)
	// StoreCommit is one write of the store, by operation, and how long it
	// took to be durable.
	StoreCommit(operation string, took time.Duration)
	// Forwarded is one attempt to deliver a canonical event to a
	// destination, by the attempt's outcome.
	Forwarded(destination, outcome string)
}

// UnknownProvider labels deliveries to a path no provider's route serves:
// the path is the sender's choice, and must not become a label.
const UnknownProvider = "unknown"

// Or returns r, or Nop when r is nil.
func Or(r Recorder) Recorder {
	if r == nil {
		return Nop{}
	}
	return r
}

// Nop records nothing.
type Nop struct{}

func (Nop) Delivery(string, string, time.Duration) {}
func (Nop) Processed(string, string)               {}
func (Nop) Failed(string)                          {}
func (Nop) StoreCommit(string, time.Duration)      {}
func (Nop) Forwarded(string, string)               {}

// Lag is how far one consumer of a change feed is behind.
type Lag struct {
	// Records are the change records after its checkpoint.
	Records int
	// Oldest is the age of the oldest of them; zero when it is caught up.
	Oldest time.Duration
}

// Pending holds what is recorded until Flush: for work done inside a
// transaction, which counts only once the transaction commits. The zero
// value is ready to use.
type Pending struct {
	mu    sync.Mutex
	calls []func(Recorder)
}

func (p *Pending) add(call func(Recorder)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, call)
}

// Flush hands everything held to r (nil: drops it) and forgets it.
func (p *Pending) Flush(r Recorder) {
	p.mu.Lock()
	calls := p.calls
	p.calls = nil
	p.mu.Unlock()
	r = Or(r)
	for _, call := range calls {
		call(r)
	}
}

func (p *Pending) Delivery(provider, outcome string, took time.Duration) {
	p.add(func(r Recorder) { r.Delivery(provider, outcome, took) })
}

func (p *Pending) Processed(provider, outcome string) {
	p.add(func(r Recorder) { r.Processed(provider, outcome) })
}

func (p *Pending) Failed(provider string) { p.add(func(r Recorder) { r.Failed(provider) }) }

func (p *Pending) StoreCommit(operation string, took time.Duration) {
	p.add(func(r Recorder) { r.StoreCommit(operation, took) })
}

func (p *Pending) Forwarded(destination, outcome string) {
	p.add(func(r Recorder) { r.Forwarded(destination, outcome) })
}
