// Package observe sets up logging and tracing. Logs are zerolog JSON, one
// line per event, with request ids and never a secret or a raw body (callers
// log outcomes and ids, never payloads). Every X-Ray call of payhook is in
// this package: the X-Ray SDK is in maintenance (end of support 2027-02-25),
// and a move to OpenTelemetry should touch nothing else.
package observe

import (
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-xray-sdk-go/instrumentation/awsv2"
	"github.com/aws/aws-xray-sdk-go/strategy/ctxmissing"
	"github.com/aws/aws-xray-sdk-go/xray"
	"github.com/aws/aws-xray-sdk-go/xraylog"
	"github.com/rs/zerolog"
)

// NewLogger writes JSON lines to w at level ("debug", "info", "warn",
// "error"; anything else is info), each stamped with the component name.
func NewLogger(w io.Writer, level, component string) zerolog.Logger {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || lvl == zerolog.NoLevel {
		lvl = zerolog.InfoLevel
	}
	zerolog.TimeFieldFormat = time.RFC3339Nano
	zerolog.DurationFieldUnit = time.Millisecond
	zerolog.DurationFieldInteger = false
	return zerolog.New(w).Level(lvl).With().Timestamp().Str("component", component).Logger()
}

// TraceAWS records every call of clients built from cfg as an X-Ray
// subsegment of the invocation's trace. For Lambda wiring only: outside
// Lambda there is no segment, and calls go on untraced.
func TraceAWS(cfg *aws.Config) {
	xray.SetLogger(xraylog.NewDefaultLogger(os.Stderr, xraylog.LogLevelWarn))
	_ = xray.Configure(xray.Config{ContextMissingStrategy: ctxmissing.NewDefaultIgnoreErrorStrategy()})
	awsv2.AWSV2Instrumentor(&cfg.APIOptions)
}
