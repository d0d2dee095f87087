package testenv

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/payhook/payhook/shared/store/dynamo"
	"github.com/payhook/payhook/shared/stream"
)

// StreamPoller reads a table's stream with the DynamoDB Streams API and
// hands the records to a handler as Lambda's event source mapping does:
// in order per shard, in batches, with stream.Deliver's retries, given up
// on (OnGiveUp) after MaxAttempts. It lets the tests run the Lambda
// handlers against DynamoDB Local's real stream.
type StreamPoller struct {
	DynamoDB *dynamodb.Client
	Streams  *dynamodbstreams.Client
	Table    string
	Handler  stream.Handler
	// Filter passes the records the handler wants, like filter criteria.
	Filter      func(events.DynamoDBEventRecord) bool
	BatchSize   int32
	MaxAttempts int
	OnGiveUp    func(events.DynamoDBEventRecord)
	// PollInterval is the pause when no shard had records.
	PollInterval time.Duration
}

// Run polls from the start of the stream until ctx ends.
func (p *StreamPoller) Run(ctx context.Context) error {
	table, err := p.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(p.Table)})
	if err != nil {
		return fmt.Errorf("describe %s: %w", p.Table, err)
	}
	streamARN := aws.ToString(table.Table.LatestStreamArn)
	if streamARN == "" {
		return fmt.Errorf("%s has no stream", p.Table)
	}
	iterators := map[string]*string{} // open shards
	finished := map[string]bool{}
	var lastDescribe time.Time
	for ctx.Err() == nil {
		if time.Since(lastDescribe) > time.Second {
			if err := p.openShards(ctx, streamARN, iterators, finished); err != nil {
				if ctx.Err() != nil {
					return nil // stopped while asking: not a failure
				}
				return err
			}
			lastDescribe = time.Now()
		}
		busy := false
		for shard, iterator := range iterators {
			out, err := p.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iterator, Limit: aws.Int32(p.batchSize())})
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("read shard %s: %w", shard, err)
			}
			records, err := toLambdaRecords(out.Records, streamARN)
			if err != nil {
				return err
			}
			if len(records) > 0 {
				busy = true
				p.deliver(ctx, records)
			}
			if out.NextShardIterator == nil {
				delete(iterators, shard)
				finished[shard] = true
			} else {
				iterators[shard] = out.NextShardIterator
			}
		}
		if !busy {
			select {
			case <-ctx.Done():
			case <-time.After(p.pollInterval()):
			}
		}
	}
	return nil
}

// openShards starts reading every shard whose parent is done, so a split
// shard's records are read after its parent's, as Lambda does.
func (p *StreamPoller) openShards(ctx context.Context, streamARN string, iterators map[string]*string, finished map[string]bool) error {
	out, err := p.Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(streamARN)})
	if err != nil {
		return fmt.Errorf("describe stream: %w", err)
	}
	known := map[string]bool{}
	for _, s := range out.StreamDescription.Shards {
		known[aws.ToString(s.ShardId)] = true
	}
	for _, s := range out.StreamDescription.Shards {
		id, parent := aws.ToString(s.ShardId), aws.ToString(s.ParentShardId)
		if finished[id] || iterators[id] != nil || (parent != "" && known[parent] && !finished[parent]) {
			continue
		}
		it, err := p.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
			StreamArn: aws.String(streamARN), ShardId: aws.String(id), ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			return fmt.Errorf("open shard %s: %w", id, err)
		}
		iterators[id] = it.ShardIterator
	}
	return nil
}

// deliver hands records to the handler until all are done or given up on.
func (p *StreamPoller) deliver(ctx context.Context, records []events.DynamoDBEventRecord) {
	if p.Filter != nil {
		var kept []events.DynamoDBEventRecord
		for _, r := range records {
			if p.Filter(r) {
				kept = append(kept, r)
			}
		}
		records = kept
	}
	giveUp := func(r events.DynamoDBEventRecord, _ int) error {
		if p.OnGiveUp != nil {
			p.OnGiveUp(r)
		}
		return nil
	}
	// Without Done or an erring GiveUp, Deliver cannot fail.
	_ = stream.Deliver(ctx, p.Handler, records, stream.Retry{MaxAttempts: p.MaxAttempts}, stream.Progress{GiveUp: giveUp})
}

func (p *StreamPoller) batchSize() int32 {
	if p.BatchSize <= 0 {
		return 100
	}
	return p.BatchSize
}

func (p *StreamPoller) pollInterval() time.Duration {
	if p.PollInterval <= 0 {
		return 100 * time.Millisecond
	}
	return p.PollInterval
}

// toLambdaRecords converts records as the Streams API returns them into
// the shape Lambda delivers.
func toLambdaRecords(in []streamtypes.Record, streamARN string) ([]events.DynamoDBEventRecord, error) {
	out := make([]events.DynamoDBEventRecord, 0, len(in))
	for _, r := range in {
		change := r.Dynamodb
		record := events.DynamoDBEventRecord{
			AWSRegion:      aws.ToString(r.AwsRegion),
			EventID:        aws.ToString(r.EventID),
			EventName:      string(r.EventName),
			EventSource:    aws.ToString(r.EventSource),
			EventVersion:   aws.ToString(r.EventVersion),
			EventSourceArn: streamARN,
			Change: events.DynamoDBStreamRecord{
				SequenceNumber: aws.ToString(change.SequenceNumber),
				SizeBytes:      aws.ToInt64(change.SizeBytes),
				StreamViewType: string(change.StreamViewType),
			},
		}
		if change.ApproximateCreationDateTime != nil {
			record.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *change.ApproximateCreationDateTime}
		}
		if r.UserIdentity != nil {
			record.UserIdentity = &events.DynamoDBUserIdentity{Type: aws.ToString(r.UserIdentity.Type), PrincipalID: aws.ToString(r.UserIdentity.PrincipalId)}
		}
		for _, image := range []struct {
			from map[string]streamtypes.AttributeValue
			into *map[string]events.DynamoDBAttributeValue
		}{{change.Keys, &record.Change.Keys}, {change.NewImage, &record.Change.NewImage}, {change.OldImage, &record.Change.OldImage}} {
			if len(image.from) == 0 {
				continue
			}
			converted, err := attributevalue.FromDynamoDBStreamsMap(image.from)
			if err != nil {
				return nil, fmt.Errorf("stream record %s: %w", record.EventID, err)
			}
			item, err := dynamo.ItemFromSDK(converted)
			if err != nil {
				return nil, fmt.Errorf("stream record %s: %w", record.EventID, err)
			}
			*image.into = item
		}
		out = append(out, record)
	}
	return out, nil
}
