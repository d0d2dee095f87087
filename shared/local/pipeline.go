// Package local runs payhook's whole pipeline in one process over the
// embedded store: the change feed hands the processor and the auditor the
// same events.DynamoDBEvent batches that Lambda would.
package local

import (
	"context"
	"errors"

	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/store/embedded"
)

// Consumer names, which are also the feed checkpoints' names.
const (
	ProcessorConsumer = "processor"
	AuditorConsumer   = "auditor"
)

// Pipeline consumes the embedded store's change feed.
type Pipeline struct {
	Store     *embedded.Store
	Processor *process.Processor
	Auditor   *audit.Auditor
	// Options apply to both consumers; the processor also gets the filter
	// its event source mapping has on AWS.
	Options embedded.ConsumeOptions
}

// Run consumes until ctx ends or a consumer fails, which stops both.
func (p *Pipeline) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	processorOptions := p.Options
	processorOptions.Filter = process.Wants
	errs := make(chan error, 2)
	go func() { errs <- p.Store.Consume(ctx, ProcessorConsumer, p.Processor.Handle, processorOptions) }()
	go func() { errs <- p.Store.Consume(ctx, AuditorConsumer, p.Auditor.Handle, p.Options) }()
	first := <-errs
	cancel()
	return errors.Join(first, <-errs)
}
