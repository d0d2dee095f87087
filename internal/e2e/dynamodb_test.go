//go:build !sandbox

package e2e_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/store/dynamo"
)

// TestPipelineOnDynamoDBLocal runs the handlers on DynamoDB Local's real
// stream, with the dead-letter queue on goaws's SQS.
func TestPipelineOnDynamoDBLocal(t *testing.T) {
	runScenario(t, dynamoBackend(t))
}

// dynamoBackend is a fresh table on DynamoDB Local, its stream polled as
// Lambda's event source mappings would, and a dead-letter queue on goaws.
func dynamoBackend(t *testing.T) backend {
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
	return backend{
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
	}
}
