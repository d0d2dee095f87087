package testenv

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fault is what the proxy does to a matching request.
type Fault int

const (
	// Pass forwards the request untouched.
	Pass Fault = iota
	// Throttle answers as DynamoDB does when over its throughput, without
	// forwarding: the write does not happen.
	Throttle
	// Delay forwards the request after a pause: the write happens, late.
	Delay
	// Drop closes the connection without an answer, without forwarding.
	Drop
)

// FaultProxy stands in front of a real AWS stand-in (DynamoDB Local) and
// injects faults into the calls whose X-Amz-Target names an operation.
type FaultProxy struct {
	URL string

	mu        sync.Mutex
	fault     Fault
	operation string
	delay     time.Duration
	faulted   int
}

// NewFaultProxy proxies to target until the test ends.
func NewFaultProxy(t testing.TB, target string) *FaultProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("fault proxy target: %v", err)
	}
	p := &FaultProxy{}
	forward := httputil.NewSingleHostReverseProxy(u)
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fault, delay := p.faultFor(r.Header.Get("X-Amz-Target"))
		switch fault {
		case Throttle:
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}`))
			return
		case Drop:
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				_ = conn.Close() // the fault is the closing; how it went does not matter
			}
			return
		case Delay:
			time.Sleep(delay)
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(server.Close)
	p.URL = server.URL
	return p
}

// Inject applies fault to calls of operation ("PutItem"; "" for all).
func (p *FaultProxy) Inject(fault Fault, operation string, delay time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault, p.operation, p.delay, p.faulted = fault, operation, delay, 0
}

// Faulted counts the calls that met the fault since the last Inject: proof
// that a client actually tried while it was on.
func (p *FaultProxy) Faulted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.faulted
}

func (p *FaultProxy) faultFor(target string) (Fault, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fault == Pass || (p.operation != "" && !strings.HasSuffix(target, "."+p.operation)) {
		return Pass, 0
	}
	p.faulted++
	return p.fault, p.delay
}
