// Package stream is the contract between a DynamoDB stream consumer and
// whatever feeds it (Lambda's event source mapping, the embedded change
// feed, the tests' Streams poller): the handler's signature, the
// ReportBatchItemFailures answer, and the one retry loop feeders share.
package stream

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Handler is a stream consumer: the very signature of a Lambda function
// that reads DynamoDB Streams with ReportBatchItemFailures.
type Handler func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// FailFrom is a handler's answer when records[i] failed: it and everything
// after it are retried, so records keep their order.
func FailFrom(records []events.DynamoDBEventRecord, i int) events.DynamoDBEventResponse {
	var resp events.DynamoDBEventResponse
	for _, r := range records[i:] {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
	}
	return resp
}

// FirstFailure is a feeder's reading of the answer: the index of the first
// record to retry, or -1 when all are done. An error fails the whole batch.
func FirstFailure(records []events.DynamoDBEventRecord, resp events.DynamoDBEventResponse, err error) int {
	if err != nil {
		return 0
	}
	first := -1
	for _, failure := range resp.BatchItemFailures {
		for i, r := range records {
			if r.Change.SequenceNumber == failure.ItemIdentifier && (first < 0 || i < first) {
				first = i
			}
		}
	}
	return first
}

// Retry is how a feeder retries a record that keeps failing, as an event
// source mapping's settings do.
type Retry struct {
	// MaxAttempts for one record, after which it is given up on.
	MaxAttempts int
	// Backoff before the first retry, doubled each retry, at most MaxBackoff.
	Backoff, MaxBackoff time.Duration
}

// DefaultRetry: 5 attempts over about 1.5 s.
var DefaultRetry = Retry{MaxAttempts: 5, Backoff: 100 * time.Millisecond, MaxBackoff: 5 * time.Second}

// Span is how long a record that always fails is retried before it is
// given up on: the sum of the backoffs.
func (r Retry) Span() time.Duration {
	r = r.withDefaults()
	span, backoff := time.Duration(0), r.Backoff
	for range r.MaxAttempts - 1 {
		span += backoff
		backoff = min(2*backoff, r.MaxBackoff)
	}
	return span
}

func (r Retry) withDefaults() Retry {
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = DefaultRetry.MaxAttempts
	}
	if r.Backoff <= 0 {
		r.Backoff = DefaultRetry.Backoff
	}
	if r.MaxBackoff < r.Backoff {
		r.MaxBackoff = max(r.Backoff, DefaultRetry.MaxBackoff)
	}
	return r
}

// Progress is what a feeder records as delivery moves on; nil fields are
// not called.
type Progress struct {
	// Done is told, before anything after it is handed out again, of the
	// last record of a run that the handler finished.
	Done func(last events.DynamoDBEventRecord) error
	// GiveUp is told of a record that failed MaxAttempts times; delivery
	// goes on after it.
	GiveUp func(r events.DynamoDBEventRecord, attempts int) error
}

// Deliver hands records to handler in order, as an event source mapping
// with ReportBatchItemFailures does: the records before the first failed
// one count as done and the rest are retried from it, with backoff; a
// record that fails MaxAttempts times is given up on, and delivery goes on.
// A handler error fails the whole batch. Deliver returns once every record
// is done or given up on, or when ctx ends (nil, with the rest not
// delivered). The handler's context is never cancelled: a batch handed out
// is finished, so that its outcome can be recorded.
func Deliver(ctx context.Context, handler Handler, records []events.DynamoDBEventRecord, retry Retry, progress Progress) error {
	retry = retry.withDefaults()
	handlerCtx := context.WithoutCancel(ctx)
	attempts, backoff := 0, retry.Backoff
	for len(records) > 0 && ctx.Err() == nil {
		resp, err := handler(handlerCtx, events.DynamoDBEvent{Records: records})
		failedAt := FirstFailure(records, resp, err)
		if failedAt < 0 {
			return progress.done(records[len(records)-1])
		}
		if failedAt > 0 {
			// Progress: the failed record is now first; it gets fresh attempts.
			if err := progress.done(records[failedAt-1]); err != nil {
				return err
			}
			records, attempts, backoff = records[failedAt:], 0, retry.Backoff
		}
		if attempts++; attempts >= retry.MaxAttempts {
			if progress.GiveUp != nil {
				if err := progress.GiveUp(records[0], attempts); err != nil {
					return err
				}
			}
			records, attempts, backoff = records[1:], 0, retry.Backoff
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, retry.MaxBackoff)
	}
	return nil
}

func (p Progress) done(last events.DynamoDBEventRecord) error {
	if p.Done == nil {
		return nil
	}
	return p.Done(last)
}

// Images are a record's images as stored, in the bytes itemjson.Marshal
// writes for them: nil where there is none, or where the feeder does not
// have them so.
type Images struct {
	Old, New []byte
}

// StoredImages are the images of a batch's records, by sequence number:
// what a feeder that holds items as bytes (the embedded store) hands its
// consumers beside the records, so that one that digests images (the
// auditor) need not encode them again.
type StoredImages map[string]Images

type storedImagesKey struct{}

// WithStoredImages is ctx carrying images to the handlers it reaches.
func WithStoredImages(ctx context.Context, images StoredImages) context.Context {
	return context.WithValue(ctx, storedImagesKey{}, images)
}

// StoredImagesFrom is what ctx carries: nil when its feeder gave none
// (Lambda's event source mapping never does).
func StoredImagesFrom(ctx context.Context) StoredImages {
	images, _ := ctx.Value(storedImagesKey{}).(StoredImages)
	return images
}
