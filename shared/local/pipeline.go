// Package local runs payhook's whole pipeline in one process over the
// embedded store: the change feed hands the processor and the auditor the
// same events.DynamoDBEvent batches that Lambda would.
package local

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/metrics"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
	"github.com/payhook/payhook/shared/stream"
)

// Consumer names, which are also the feed checkpoints' names.
const (
	ProcessorConsumer = "processor"
	AuditorConsumer   = "auditor"
)

// consumers are every consumer of the feed.
var consumers = []string{ProcessorConsumer, AuditorConsumer}

// Pipeline consumes the embedded store's change feed.
type Pipeline struct {
	Store     *embedded.Store
	Processor *process.Processor
	Auditor   *audit.Auditor
	// AuditTrail, when set, is synced after each audited batch, before its
	// checkpoint: the records are on disk before the feed moves past them.
	AuditTrail interface{ Sync() error }
	// Options apply to both consumers; the processor also gets the filter
	// its event source mapping has on AWS. A zero Retry is FeedRetry.
	Options embedded.ConsumeOptions
	// replies are the providers' answers for the batch being processed,
	// kept until it is done so that its retries do not ask again.
	replies process.Replies
}

// FeedRetry is how long a record is retried before it goes to the
// dead-letter queue locally: about four minutes, as an outage of a
// dependency lasts, not the 1.5 s of a transient fault. A record given up
// on stays RECEIVED; payhook redrive --stuck takes it back.
var FeedRetry = stream.Retry{MaxAttempts: 10, Backoff: time.Second, MaxBackoff: time.Minute}

// Run consumes until ctx ends or a consumer fails, which stops both. Both
// consumers share one pass over the feed: each record is read and decoded
// once, and both checkpoints move in one commit (docs/benchmarks.md).
func (p *Pipeline) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	options := p.Options
	if options.Retry == (stream.Retry{}) {
		options.Retry = FeedRetry
	}
	processorOptions := options
	processorOptions.Filter = process.Wants
	// Each batch is one transaction holding bbolt's single writer: a whole
	// pass of 100 shares one fsync and the branch pages above the
	// webhooks' random keys, so that a backlog is caught up within seconds;
	// the receiver waits a little longer for the writer (docs/benchmarks.md).
	processorOptions.BatchSize = 100
	stopped := make(chan error, 1)
	audited := func(ctx context.Context, event events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		resp, err := p.auditBatch(ctx, event)
		if errors.Is(err, audit.ErrTrailStopped) {
			select { // a failed batch is retried; a stopped trail stops all
			case stopped <- err:
			default:
			}
			cancel()
		}
		return resp, err
	}
	err := p.Store.Consume(ctx, options.BatchSize,
		embedded.Subscriber{Name: ProcessorConsumer, Handler: p.processBatch, Options: processorOptions},
		embedded.Subscriber{Name: AuditorConsumer, Handler: audited, Options: options})
	select {
	case trailErr := <-stopped:
		return errors.Join(trailErr, err)
	default:
		return err
	}
}

// auditBatch audits one feed batch, then syncs the trail: the feed
// checkpoints only what this returns as done. A failed sync fails the
// whole batch, which comes again; the trail kept none of it. A stopped
// trail (audit.ErrTrailStopped) stops the pipeline.
func (p *Pipeline) auditBatch(ctx context.Context, event events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	resp, err := p.Auditor.Handle(ctx, event)
	if p.AuditTrail != nil {
		if syncErr := p.AuditTrail.Sync(); syncErr != nil {
			return events.DynamoDBEventResponse{}, syncErr
		}
	}
	return resp, err
}

// processBatch runs the processor on one feed batch inside one store
// transaction: the batch's payment states, webhook statuses and dead
// letters commit together, with one fsync rather than one per webhook.
// The providers' APIs are asked first, outside it: the transaction holds
// the store's only writer, which the receiver waits for.
// What it counts is counted once the transaction has committed.
func (p *Pipeline) processBatch(ctx context.Context, event events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	var counted metrics.Pending
	asked := p.Processor.AskFirst(ctx, event, &p.replies)
	err := p.Store.InTransaction(ctx, ProcessorConsumer, func(st store.Processing, dlq deadletter.Queue) error {
		batch := *asked
		batch.Store, batch.DLQ, batch.Metrics = st, dlq, &counted
		var err error
		resp, err = batch.Handle(ctx, event)
		return err
	})
	if err == nil {
		counted.Flush(p.Processor.Metrics)
		if len(resp.BatchItemFailures) == 0 {
			p.replies = process.Replies{} // the batch is done
		}
	}
	return resp, err
}
