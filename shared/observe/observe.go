// Package observe sets up logging. Logs are zerolog JSON, one line per
// event, with request ids and never a secret or a raw body (callers log
// outcomes and ids, never payloads). Tracing is in observe/tracing, which
// only the Lambdas import.
package observe

import (
	"io"
	"time"

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
