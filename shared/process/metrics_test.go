package process_test

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/metrics"
)

// outcomes records what the processor counts.
type outcomes struct {
	metrics.Nop
	mu   sync.Mutex
	seen []string // provider/outcome, or provider/FAILED
}

func (o *outcomes) Processed(provider, outcome string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen = append(o.seen, provider+"/"+outcome)
}

func (o *outcomes) Failed(provider string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen = append(o.seen, provider+"/FAILED")
}

func TestEachWebhookIsCountedOnceByVerdictOrFailure(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	counted := &outcomes{}
	f.processor.Metrics = counted
	ctx := context.Background()
	paid := f.received(t, "evt_paid", "payment_intent.succeeded", `{"id":"pi_1","object":"payment_intent","amount":2000,"amount_received":2000,"currency":"usd"}`)
	again := f.received(t, "evt_paid_again", "payment_intent.succeeded", `{"id":"pi_1","object":"payment_intent","amount":2000,"amount_received":2000,"currency":"usd"}`)
	bad := f.received(t, "evt_bad", "charge.succeeded", `{"id":"ch_1","object":"charge","amount":-5,"currency":"usd","payment_intent":"pi_1"}`)

	for range 2 { // a redelivered batch is not counted again
		resp, err := f.processor.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{paid, again, bad}})
		is.NoErr(err)
		is.Equal(len(resp.BatchItemFailures), 0)
	}
	is.Equal(counted.seen, []string{"stripe/applied", "stripe/out_of_order", "stripe/FAILED"})
}
