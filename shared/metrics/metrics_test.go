package metrics_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/metrics"
)

// calls records every call as a line.
type calls []string

func (c *calls) Delivery(p, o string, took time.Duration) {
	*c = append(*c, fmt.Sprint("delivery ", p, " ", o, " ", took))
}
func (c *calls) Processed(p, o string) { *c = append(*c, "processed "+p+" "+o) }
func (c *calls) Failed(p string)       { *c = append(*c, "failed "+p) }
func (c *calls) StoreCommit(op string, took time.Duration) {
	*c = append(*c, fmt.Sprint("commit ", op, " ", took))
}
func (c *calls) Forwarded(d, o string) { *c = append(*c, "forwarded "+d+" "+o) }

func TestOrStandsInForNil(t *testing.T) {
	is := is.New(t)
	is.Equal(metrics.Or(nil), metrics.Recorder(metrics.Nop{}))
	metrics.Or(nil).Delivery("stripe", "accepted", time.Millisecond) // records nothing, does not panic
	c := &calls{}
	is.Equal(metrics.Or(c), metrics.Recorder(c))
}

func TestPendingHoldsEverythingUntilFlushed(t *testing.T) {
	is := is.New(t)
	var pending metrics.Pending
	pending.Delivery("stripe", "accepted", time.Millisecond)
	pending.Processed("stripe", "applied")
	pending.Failed("paypal")
	pending.StoreCommit("transaction", 2*time.Millisecond)
	pending.Forwarded("billing", "delivered")
	c := &calls{}
	is.Equal(len(*c), 0)
	pending.Flush(c)
	is.Equal([]string(*c), []string{
		"delivery stripe accepted 1ms", "processed stripe applied", "failed paypal", "commit transaction 2ms", "forwarded billing delivered",
	})
	pending.Flush(c) // once only
	is.Equal(len(*c), 5)

	pending.Failed("square")
	pending.Flush(nil) // dropped
	pending.Flush(c)
	is.Equal(len(*c), 5)
}
