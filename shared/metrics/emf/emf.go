// Package emf is the CloudWatch Embedded Metric Format adapter of the
// metrics port: each recorded value is one JSON line in the function's log,
// from which CloudWatch Logs extracts the metric. It needs no AWS call and
// no permission beyond writing logs.
//
// Every metric carries the dimension Function (receiver, processor,
// forwarder), with the names it is broken down by (provider, outcome,
// operation, destination), so a dashboard graphs one function's part of
// it. Dimension keys are
// capitalized, so the lines never match the log metric filters, which
// select the receiver's lowercase "outcome".
package emf

import (
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/payhook/payhook/shared/metrics"
)

// Metric names, as they appear in CloudWatch.
const (
	Deliveries          = "Deliveries"
	ReceiverDuration    = "ReceiverDuration"
	Processed           = "Processed"
	Failed              = "Failed"
	StoreCommitDuration = "StoreCommitDuration"
	Forwarded           = "Forwarded"
)

// Dimension keys.
const (
	Function    = "Function"
	Provider    = "Provider"
	Outcome     = "Outcome"
	Operation   = "Operation"
	Destination = "Destination"
)

// Units, as the specification names them.
const (
	count        = "Count"
	milliseconds = "Milliseconds"
)

// Logger writes metrics to a function's log.
type Logger struct {
	w         io.Writer
	namespace string
	function  string
	// Clock stamps each line; nil is time.Now.
	Clock func() time.Time
	mu    sync.Mutex
}

var _ metrics.Recorder = (*Logger)(nil)

// New writes metrics of namespace to w (the function's stdout), each with
// the dimension Function set to function.
func New(w io.Writer, namespace, function string) *Logger {
	return &Logger{w: w, namespace: namespace, function: function}
}

func (l *Logger) Delivery(provider, outcome string, took time.Duration) {
	l.emit(
		map[string]string{Provider: provider, Outcome: outcome},
		directive{Deliveries, count, 1, [][]string{{Function, Outcome}, {Function, Provider, Outcome}}},
		directive{ReceiverDuration, milliseconds, inMilliseconds(took), [][]string{{Function}, {Function, Provider}}},
	)
}

func (l *Logger) Processed(provider, outcome string) {
	l.emit(map[string]string{Provider: provider, Outcome: outcome},
		directive{Processed, count, 1, [][]string{{Function, Outcome}, {Function, Provider, Outcome}}})
}

func (l *Logger) Failed(provider string) {
	l.emit(map[string]string{Provider: provider},
		directive{Failed, count, 1, [][]string{{Function}, {Function, Provider}}})
}

func (l *Logger) StoreCommit(operation string, took time.Duration) {
	l.emit(map[string]string{Operation: operation},
		directive{StoreCommitDuration, milliseconds, inMilliseconds(took), [][]string{{Function, Operation}}})
}

func (l *Logger) Forwarded(destination, outcome string) {
	l.emit(map[string]string{Destination: destination, Outcome: outcome},
		directive{Forwarded, count, 1, [][]string{{Function, Outcome}, {Function, Destination, Outcome}}})
}

// directive is one metric, its value and the dimension sets it is
// aggregated over.
type directive struct {
	name, unit string
	value      float64
	dimensions [][]string
}

// metadata is the _aws member of the specification's root node; the
// dimensions' and metrics' values are members beside it.
type metadata struct {
	Timestamp         int64             `json:"Timestamp"`
	CloudWatchMetrics []metricDirective `json:"CloudWatchMetrics"`
}

type metricDirective struct {
	Namespace  string             `json:"Namespace"`
	Dimensions [][]string         `json:"Dimensions"`
	Metrics    []metricDefinition `json:"Metrics"`
}

type metricDefinition struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

func (l *Logger) emit(dimensions map[string]string, directives ...directive) {
	now := time.Now
	if l.Clock != nil {
		now = l.Clock
	}
	root := map[string]any{Function: l.function}
	for k, v := range dimensions {
		root[k] = v
	}
	meta := metadata{Timestamp: now().UnixMilli()}
	for _, d := range directives {
		root[d.name] = d.value
		meta.CloudWatchMetrics = append(meta.CloudWatchMetrics, metricDirective{
			Namespace: l.namespace, Dimensions: d.dimensions, Metrics: []metricDefinition{{Name: d.name, Unit: d.unit}},
		})
	}
	root["_aws"] = meta
	line, err := json.Marshal(root)
	if err != nil {
		return // strings and numbers only: cannot happen
	}
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.w.Write(line) // a log line that cannot be written is lost, as any log line
}

func inMilliseconds(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
