package e2e_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/store/dynamo"
	"github.com/payhook/payhook/shared/store/embedded"
	"github.com/payhook/payhook/shared/stream"
)

func TestPipelineOnEmbeddedStore(t *testing.T) {
	s, err := embedded.Open(filepath.Join(t.TempDir(), "payhook.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	runScenario(t, backend{
		table: s,
		dlq:   s.DeadLetterQueue(local.ProcessorConsumer),
		start: func(t *testing.T, processor *process.Processor, auditor *audit.Auditor) {
			pipeline := &local.Pipeline{Store: s, Processor: processor, Auditor: auditor, Options: embedded.ConsumeOptions{Retry: stream.Retry{Backoff: 10 * time.Millisecond}}}
			run(t, pipeline.Run)
		},
	})
}

// TestPipelineOnDynamoDBLocal runs the handlers on DynamoDB Local's real
// stream, with the dead-letter queue on goaws's SQS.
func TestPipelineOnDynamoDBLocal(t *testing.T) {
	ctx := context.Background()
	client := testenv.DynamoDB(t)
	table := testenv.UniqueName(t)
	if err := dynamo.CreateTable(ctx, client, table); err != nil {
		t.Fatal(err)
	}
	sqsClient := testenv.SQS(t)
	queue, err := sqsClient.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	dlq := deadletter.SQS{Client: sqsClient, QueueURL: aws.ToString(queue.QueueUrl), Source: "processor"}
	streams := dynamodbstreams.NewFromConfig(testenv.AWSConfig(), func(o *dynamodbstreams.Options) {
		o.BaseEndpoint = aws.String(testenv.DynamoDBEndpoint(t))
	})
	runScenario(t, backend{
		table: dynamo.New(client, table),
		dlq:   dlq,
		start: func(t *testing.T, processor *process.Processor, auditor *audit.Auditor) {
			giveUp := func(r events.DynamoDBEventRecord) {
				body, _ := json.Marshal(r)
				if err := dlq.Send(context.Background(), body); err != nil {
					t.Errorf("dead-letter a record: %v", err)
				}
			}
			for _, poller := range []*testenv.StreamPoller{
				{DynamoDB: client, Streams: streams, Table: table, Handler: processor.Handle, Filter: process.Wants, OnGiveUp: giveUp, PollInterval: 20 * time.Millisecond},
				{DynamoDB: client, Streams: streams, Table: table, Handler: auditor.Handle, OnGiveUp: giveUp, PollInterval: 20 * time.Millisecond},
			} {
				run(t, poller.Run)
			}
		},
	})
}

// run runs a consumer until the test ends, and fails the test if it stops
// with an error.
func run(t *testing.T, consume func(context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- consume(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("consumer: %v", err)
		}
	})
}
