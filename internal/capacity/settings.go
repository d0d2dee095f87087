package capacity

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Settings are the webhook-pipeline module's defaults that the model
// starts from, each an OpenTofu variable of the module.
type Settings struct {
	APIThrottleRate, APIThrottleBurst float64
	Receiver, Processor, Auditor      Sizing
	ProcessorStream, AuditorStream    StreamReading
	// WAFRateLimit requests per WAFWindowSeconds per address; addresses
	// in provider_source_cidrs get ProviderRateLimit instead.
	WAFRateLimit, WAFWindowSeconds, ProviderRateLimit float64
	// ForwarderConcurrency is each event destination's concurrency.
	ForwarderConcurrency float64
}

// Sizing is a function's memory and reserved concurrency.
type Sizing struct {
	MemoryMB, Reserved float64
}

// StreamReading is a stream mapping's batch size, parallelization factor
// and batching window.
type StreamReading struct {
	BatchSize, Parallelization, WindowSeconds float64
}

// ReadSettings reads the defaults of variables.tf: a number, or an
// object of numbers, after each variable's `default =`.
func ReadSettings(variablesTF []byte) (Settings, error) {
	var s Settings
	var errs []string
	number := func(variable string) float64 {
		v, err := defaultOf(variablesTF, variable, "")
		if err != nil {
			errs = append(errs, err.Error())
		}
		return v
	}
	field := func(variable, name string) float64 {
		v, err := defaultOf(variablesTF, variable, name)
		if err != nil {
			errs = append(errs, err.Error())
		}
		return v
	}
	sizing := func(variable string) Sizing {
		return Sizing{MemoryMB: field(variable, "memory_size"), Reserved: field(variable, "reserved_concurrency")}
	}
	reading := func(variable string) StreamReading {
		return StreamReading{BatchSize: field(variable, "batch_size"), Parallelization: field(variable, "parallelization_factor"), WindowSeconds: field(variable, "batching_window_seconds")}
	}
	s.APIThrottleRate, s.APIThrottleBurst = number("api_throttle_rate"), number("api_throttle_burst")
	s.Receiver, s.Processor, s.Auditor = sizing("receiver"), sizing("processor"), sizing("auditor")
	s.ProcessorStream, s.AuditorStream = reading("processor_stream"), reading("auditor_stream")
	s.WAFRateLimit, s.WAFWindowSeconds, s.ProviderRateLimit = number("waf_rate_limit"), number("waf_rate_window_seconds"), number("provider_rate_limit")
	s.ForwarderConcurrency = field("forwarder", "max_concurrency")
	if len(errs) > 0 {
		return s, fmt.Errorf("variables.tf: %s", strings.Join(errs, "; "))
	}
	return s, nil
}

var defaultLine = regexp.MustCompile(`(?m)^\s*default\s*=\s*(.+)$`)

// defaultOf is variable's default, or the field name of its object default.
func defaultOf(tf []byte, variable, name string) (float64, error) {
	start := strings.Index(string(tf), `variable "`+variable+`" {`)
	if start < 0 {
		return 0, fmt.Errorf("no variable %q", variable)
	}
	block := tf[start:]
	if end := strings.Index(string(block[1:]), "\nvariable "); end >= 0 {
		block = block[:end+1]
	}
	m := defaultLine.FindSubmatch(block)
	if m == nil {
		return 0, fmt.Errorf("%s has no default", variable)
	}
	value := strings.TrimSpace(string(m[1]))
	if name != "" {
		f := regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\s*=\s*([0-9.]+)`).FindStringSubmatch(value)
		if f == nil {
			return 0, fmt.Errorf("%s's default has no %s", variable, name)
		}
		value = f[1]
	}
	v, err := strconv.ParseFloat(value, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: default %q is not a number", variable, value)
	}
	return v, nil
}
