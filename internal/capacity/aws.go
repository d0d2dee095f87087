// Package capacity models payhook on AWS at a given rate of webhooks: which
// AWS limit binds first, what to raise, the lag from delivery to PROCESSED
// and the cost per hour. Its inputs are measured (measured.json, held to
// the functions under the Runtime Interface Emulator by
// functions/TestCapacityInputs), the module's own settings (read from
// tofu/modules/webhook-pipeline/variables.tf) and AWS's documented limits
// and prices, below. tools/capacitydoc writes docs/capacity.md from it.
package capacity

// AWS's documented limits, as the model uses them. Each can be checked
// in the named document; none could be read against AWS from here.
const (
	// APIGatewayAccountRate is API Gateway's account throttle per Region,
	// shared by every API of the account (API Gateway Developer Guide,
	// "Amazon API Gateway quotas": 10,000 requests per second, a soft
	// quota, with a burst of 5,000).
	APIGatewayAccountRate = 10000.0
	// LambdaAccountConcurrency is a Region's default "Concurrent
	// executions" quota (L-B99A9384), of which Lambda keeps
	// LambdaUnreserved out of every reservation.
	LambdaAccountConcurrency = 1000.0
	LambdaUnreserved         = 100.0
	// LambdaMBPerVCPU: a function gets CPU in proportion to its memory,
	// one vCPU at 1,769 MB (Lambda Developer Guide, "Configure Lambda
	// function memory").
	LambdaMBPerVCPU = 1769.0
	// LambdaShardPollsPerSecond: Lambda polls each shard of a DynamoDB
	// stream four times a second (Lambda Developer Guide, "Using Lambda
	// with DynamoDB").
	LambdaShardPollsPerSecond = 4.0
	// LambdaMaxParallelization is a stream mapping's highest
	// parallelization factor: concurrent batches per shard.
	LambdaMaxParallelization = 10
	// NewTableWriteUnits and NewTableReadUnits are what a new on-demand
	// table serves at once, or a linear combination of the two; past them
	// it scales, and traffic more than double its previous peak within 30
	// minutes may be throttled meanwhile (DynamoDB Developer Guide,
	// "Initial throughput and scaling properties", "warm throughput").
	NewTableWriteUnits = 4000.0
	NewTableReadUnits  = 12000.0
	// TableQuotaUnits is the default on-demand quota of read and of write
	// request units per second per table (DynamoDB Developer Guide,
	// "Service, account, and table quotas": 40,000 each, adjustable).
	TableQuotaUnits = 40000.0
	// PartitionWriteUnits and PartitionReadUnits are one partition's
	// most; a stream has about one shard per partition (an assumption:
	// AWS publishes no partition count).
	PartitionWriteUnits = 1000.0
	PartitionReadUnits  = 3000.0
	// StreamReadersPerShard: at most two processes may read a shard at
	// once (DynamoDB Streams API Reference, LimitExceededException). The
	// processor and the auditor are two: a third consumer needs another
	// route (an EventBridge Pipe from one of them, or Kinesis Data
	// Streams for DynamoDB).
	StreamReadersPerShard = 2
)

// DynamoDBRequestMs is what one DynamoDB request is taken to cost a
// function in the Region, in place of DynamoDB Local's time (a Java
// emulator, 5 to 25 ms here): single-digit milliseconds is DynamoDB's
// documented latency; 8 ms is on the high side (the cost test uses the
// same figure).
const DynamoDBRequestMs = 8.0

// ForwarderBatch is the messages the forwarder's SQS mapping hands it at
// once (tofu/modules/webhook-pipeline/forward.tf), all posted together;
// DestinationSeconds is how long the model takes your endpoint to answer,
// with one payment event per webhook (what the cost test counts).
const (
	ForwarderBatch     = 10.0
	DestinationSeconds = 0.1
)

// Headroom is what every recommended setting leaves above the load.
const Headroom = 1.25

// RetentionDays is how long the table keeps a webhook by default
// (PAYHOOK_RETENTION, 840 h).
const RetentionDays = 35.0

// PriceList is one Region's list prices, in USD.
type PriceList struct {
	// Region and Date say which prices these are.
	Region, Date string
	// Per request or item.
	APIGatewayREST, WAFRequest, LambdaRequest, XRayTrace, SQSRequest, SNSPublish, EventBridgeEvent float64
	// LambdaGBSecondArm is arm64 duration.
	LambdaGBSecondArm float64
	// DynamoDBWRU and DynamoDBRRU are on-demand request units.
	DynamoDBWRU, DynamoDBRRU float64
	// Per GB-month: table storage and point-in-time recovery.
	DynamoDBStorageGBMonth, DynamoDBPITRGBMonth float64
	// LogsIngestGB is CloudWatch Logs ingestion.
	LogsIngestGB float64
	// FixedPerMonth is what the module costs whatever the traffic: the
	// WAF web ACL ($5) and its two rules ($1 each), the KMS key ($1).
	// Alarms, the dashboard and log storage are left out.
	FixedPerMonth float64
}

// Prices are ap-southeast-1 (Singapore) list prices as of 2025, without
// free tiers, the one table the cost test and the capacity model use.
// This machine cannot reach AWS's pricing pages: check them there
// (https://aws.amazon.com/pricing/), and put yours here.
var Prices = PriceList{
	Region: "ap-southeast-1 (Singapore)", Date: "2025",
	APIGatewayREST: 4.25e-6, WAFRequest: 0.60e-6, LambdaRequest: 0.20e-6, XRayTrace: 5.00e-6,
	SQSRequest: 0.40e-6, SNSPublish: 0.50e-6, EventBridgeEvent: 1.00e-6,
	LambdaGBSecondArm: 0.0000133334,
	DynamoDBWRU:       0.7135e-6, DynamoDBRRU: 0.1427e-6,
	DynamoDBStorageGBMonth: 0.285, DynamoDBPITRGBMonth: 0.228,
	LogsIngestGB:  0.70,
	FixedPerMonth: 5 + 2*1 + 1,
}

// HoursPerMonth is AWS's billing month.
const HoursPerMonth = 730.0

// The log lines Lambda adds per invocation (Text format, traced), and API
// Gateway's access log line (tofu/modules/webhook-pipeline/api.tf's
// format), at their usual lengths: what CloudWatch Logs ingests besides
// the functions' own lines.
var (
	LambdaPlatformLogBytes = len("START RequestId: 6f1f35c8-40d6-4c6b-9a3e-6f1f35c840d6 Version: $LATEST\n") +
		len("END RequestId: 6f1f35c8-40d6-4c6b-9a3e-6f1f35c840d6\n") +
		len("REPORT RequestId: 6f1f35c8-40d6-4c6b-9a3e-6f1f35c840d6\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB\tMax Memory Used: 38 MB\t\n") +
		len("XRAY TraceId: 1-6748a0f2-3c1b2a9d8e7f6a5b4c3d2e1f\tSegmentId: 3c1b2a9d8e7f6a5b\tSampled: true\t\n")
	APIAccessLogBytes = len(`{"requestId":"6f1f35c8-40d6-4c6b-9a3e-6f1f35c840d6","ip":"54.187.174.169","time":"28/Nov/2026:10:58:21 +0000","method":"POST","path":"/prod/webhook/stripe","status":"200","latencyMs":"23","integrationStatus":"200","waf":"200"}` + "\n")
)

// XRaySampled is the share of requests X-Ray's default rule traces at
// perSecond: the first each second and 5 % of the rest.
func XRaySampled(perSecond float64) float64 {
	if perSecond <= 1 {
		return 1
	}
	return (1 + 0.05*(perSecond-1)) / perSecond
}
