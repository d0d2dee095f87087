//go:build !sandbox

package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/ingest"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/secrets"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/dynamo"
)

// TestProcessorRidesOutStorageFaults puts the fault proxy between the
// processor and DynamoDB Local: every call is throttled, then connections
// drop, then the table recovers. The stream's records are retried until
// they go through: every webhook ends PROCESSED, each payment applied once,
// nothing given up on.
func TestProcessorRidesOutStorageFaults(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	direct := testenv.DynamoDB(t)
	table := testenv.UniqueName(t)
	is.NoErr(dynamo.CreateTable(ctx, direct, table))
	proxy := testenv.NewFaultProxy(t, testenv.DynamoDBEndpoint(t))
	proxied := dynamodb.NewFromConfig(testenv.AWSConfig(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(proxy.URL) })
	streams := dynamodbstreams.NewFromConfig(testenv.AWSConfig(), func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(testenv.DynamoDBEndpoint(t)) })
	tableStore := dynamo.New(direct, table)

	var cfg config.Receiver
	is.NoErr(config.Load(func(string) (string, bool) { return "", false }, &cfg))
	quiet := observe.NewLogger(io.Discard, "info", "faults")
	keys, certs := keysAndCerts(t)
	receiver := ingest.New(cfg, secrets.Static(keys), tableStore, certs, quiet)

	const webhooks = 30
	for i := range webhooks {
		body, id, err := samples.Build("stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: fmt.Sprintf("evt_fault_%02d", i), PaymentID: fmt.Sprintf("pi_fault_%02d", i)})
		is.NoErr(err)
		signed, err := samples.Sign("stripe", body, keys, id, time.Now())
		is.NoErr(err)
		resp := receiver.Handle(ctx, ingest.Request{Method: http.MethodPost, Provider: "stripe", Header: signed.Header, Body: signed.Body})
		is.Equal(resp.Status, 200)
	}

	proxy.Inject(testenv.Throttle, "", 0)
	var gaveUp atomic.Int32
	processor := &process.Processor{
		Store: dynamo.New(proxied, table), DLQ: nil, Alerter: &recordingAlerter{}, Critical: process.DefaultCritical,
		Normalize: registry.Normalize, Log: quiet,
	}
	poller := &testenv.StreamPoller{
		DynamoDB: direct, Streams: streams, Table: table, Handler: processor.Handle, Filter: process.Wants,
		MaxAttempts: 100, PollInterval: 20 * time.Millisecond,
		OnGiveUp: func(events.DynamoDBEventRecord) { gaveUp.Add(1) },
	}
	run(t, poller.Run)
	auditor := &audit.Auditor{Sink: audit.LogSink{Log: quiet}, Alerter: &recordingAlerter{}, Log: quiet}
	run(t, (&testenv.StreamPoller{DynamoDB: direct, Streams: streams, Table: table, Handler: auditor.Handle, PollInterval: 20 * time.Millisecond}).Run)

	processed := func() int {
		done, err := tableStore.ListWebhooks(ctx, store.WebhookFilter{Provider: "stripe", Status: store.StatusProcessed})
		is.NoErr(err)
		return len(done)
	}
	// The processor keeps trying (the proxy sees its calls) and nothing
	// gets through a throttled table, nor through dropped connections.
	wait.Until(t, 30*time.Second, "the processor to try the throttled table", func() bool { return proxy.Faulted() >= 10 })
	is.Equal(processed(), 0)
	proxy.Inject(testenv.Drop, "", 0)
	wait.Until(t, 30*time.Second, "the processor to try through dropped connections", func() bool { return proxy.Faulted() >= 10 })
	is.Equal(processed(), 0)
	proxy.Inject(testenv.Pass, "", 0)

	wait.Until(t, 60*time.Second, "every webhook processed after the faults cleared", func() bool { return processed() == webhooks })
	is.Equal(gaveUp.Load(), int32(0))
	payments, err := tableStore.ListPayments(ctx)
	is.NoErr(err)
	is.Equal(len(payments), webhooks)
	for _, p := range payments {
		is.Equal(p.Version, int64(1)) // applied once, retries notwithstanding
		is.Equal(p.Status, payment.StatusSucceeded)
	}
}
