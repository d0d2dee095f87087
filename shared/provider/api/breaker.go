package api

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrAPIDown is a request not sent: the provider's API failed earlier in
// the same unit of work (Breaker).
var ErrAPIDown = errors.New("not asked: the API failed earlier in this batch")

// Breaker remembers, for one unit of work (a batch of the processor's
// stream records), the providers whose API failed. Each request to a
// failing API waits out its retries; once one has failed, asking again in
// the same batch would mostly wait again, and a batch of a hundred records
// would hold back every later record of the stream (other providers'
// included) for as long. The next batch, or a redrive, asks again.
type Breaker struct {
	mu   sync.Mutex
	down map[string]error
}

type breakerKey struct{}

// WithBreaker returns ctx carrying a new, closed Breaker.
func WithBreaker(ctx context.Context) context.Context {
	return context.WithValue(ctx, breakerKey{}, &Breaker{down: map[string]error{}})
}

// BreakerOf is ctx's Breaker, or nil: a nil Breaker never opens.
func BreakerOf(ctx context.Context) *Breaker {
	b, _ := ctx.Value(breakerKey{}).(*Breaker)
	return b
}

// Check returns an error wrapping ErrAPIDown, and the failure that opened
// it, when name's API failed earlier.
func (b *Breaker) Check(name string) error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err, down := b.down[name]; down {
		return fmt.Errorf("%w (%w)", ErrAPIDown, err)
	}
	return nil
}

// Trip records that name's API failed with err.
func (b *Breaker) Trip(name string, err error) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, down := b.down[name]; !down {
		b.down[name] = err
	}
}
