// Package tracing holds every X-Ray call of payhook. The X-Ray SDK brings
// the v1 AWS SDK, gRPC and fasthttp with it, so only the Lambdas
// (functions/*) import this package: the CLI stays light, and a test of
// cmd/payhook fails if it links them again. The SDK is in maintenance (end
// of support 2027-02-25); a move to OpenTelemetry touches this package alone.
package tracing

import (
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-xray-sdk-go/instrumentation/awsv2"
	"github.com/aws/aws-xray-sdk-go/strategy/ctxmissing"
	"github.com/aws/aws-xray-sdk-go/xray"
	"github.com/aws/aws-xray-sdk-go/xraylog"
)

// AWS records every call of clients built from cfg as an X-Ray subsegment
// of the invocation's trace. For Lambda wiring only: outside Lambda there
// is no segment, and calls go on untraced.
func AWS(cfg *aws.Config) {
	xray.SetLogger(xraylog.NewDefaultLogger(os.Stderr, xraylog.LogLevelWarn))
	_ = xray.Configure(xray.Config{ContextMissingStrategy: ctxmissing.NewDefaultIgnoreErrorStrategy()})
	awsv2.AWSV2Instrumentor(&cfg.APIOptions)
}
