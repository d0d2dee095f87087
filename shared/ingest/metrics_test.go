package ingest_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/ingest"
	"github.com/payhook/payhook/shared/metrics"
)

// countedDeliveries records what the receiver counts.
type countedDeliveries struct {
	metrics.Nop
	mu   sync.Mutex
	seen []string // provider/outcome
	took []time.Duration
}

func (d *countedDeliveries) Delivery(provider, outcome string, took time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seen = append(d.seen, provider+"/"+outcome)
	d.took = append(d.took, took)
}

func TestEveryDeliveryIsCountedUnderItsRouteAndOutcome(t *testing.T) {
	is := is.New(t)
	h := newHarness(t, nil)
	counted := &countedDeliveries{}
	h.receiver.Metrics = counted
	clock := h.now
	h.receiver.Clock = func() time.Time { clock = clock.Add(7 * time.Millisecond); return clock }
	ctx := context.Background()

	request := h.signed(t, "stripe", bodies["stripe"], h.now)
	h.receiver.Handle(ctx, request)
	h.receiver.Handle(ctx, request)
	forged := request
	forged.Body = append([]byte(nil), request.Body...)
	forged.Body[len(forged.Body)-2] = ' '
	h.receiver.Handle(ctx, forged)
	// A path no route serves is the sender's choice: never a label.
	h.receiver.Handle(ctx, ingest.Request{Method: http.MethodPost, Provider: "evt_3Q1-or-anything", Body: []byte(`{}`)})

	is.Equal(counted.seen, []string{"stripe/accepted", "stripe/duplicate", "stripe/invalid_signature", "unknown/unknown_provider"})
	for _, took := range counted.took {
		is.True(took > 0)
	}
}

func TestANilRecorderCountsNothing(t *testing.T) {
	h := newHarness(t, nil)
	h.receiver.Metrics = nil
	h.receiver.Handle(context.Background(), h.signed(t, "stripe", bodies["stripe"], h.now)) // does not panic
}
