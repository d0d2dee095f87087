// Package stream holds the two halves of the ReportBatchItemFailures
// contract between a DynamoDB stream consumer and whatever feeds it
// (Lambda's event source mapping, the embedded feed, the Streams poller).
package stream

import "github.com/aws/aws-lambda-go/events"

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
