package e2e_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/store/embedded"
	"github.com/payhook/payhook/shared/stream"
)

func TestPipelineOnEmbeddedStore(t *testing.T) {
	runScenario(t, embeddedBackend(t))
}

// embeddedBackend is a fresh embedded store and its change feed.
func embeddedBackend(t *testing.T) backend {
	s, err := embedded.Open(filepath.Join(t.TempDir(), "payhook.db"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return backend{
		table: s,
		dlq:   s.DeadLetterQueue(local.ProcessorConsumer),
		start: func(t *testing.T, processor *process.Processor, auditor *audit.Auditor) {
			pipeline := &local.Pipeline{Store: s, Processor: processor, Auditor: auditor, Options: embedded.ConsumeOptions{Retry: stream.Retry{Backoff: 10 * time.Millisecond}}}
			run(t, pipeline.Run)
		},
	}
}

// run runs a consumer until the test ends, and fails the test if it stops
// with an error.
func run(t *testing.T, consume func(context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- consume(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("consumer: %v", err)
		}
	})
}
