package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/payhook/payhook/shared/operate"
)

// bulkFlags pace a bulk action by filter.
type bulkFlags struct {
	dryRun   *bool
	rate     *float64
	pageSize *int
	fs       *pflag.FlagSet
}

func addBulkFlags(fs *pflag.FlagSet, verb string) bulkFlags {
	b := bulkFlags{
		dryRun: fs.Bool("dry-run", false, "count what would be "+verb+"n, and "+verb+" nothing"),
		rate:   fs.Float64("rate", operate.DefaultRate, "the most webhooks to "+verb+" a second (0: no limit)"),
		fs:     fs,
	}
	b.pageSize = fs.Int("page-size", operate.DefaultPageSize, "webhooks per page: each page is one call and, locally, one commit")
	_ = fs.MarkHidden("page-size")
	return b
}

func (b bulkFlags) given() bool {
	for _, name := range []string{"dry-run", "rate", "page-size"} {
		if b.fs.Lookup(name).Changed {
			return true
		}
	}
	return false
}

func (b bulkFlags) check() error {
	if *b.rate < 0 {
		return usageError("--rate: a number of webhooks a second, or 0 for no limit")
	}
	if *b.pageSize < 1 || *b.pageSize > 1000 {
		return usageError("--page-size: a whole number from 1 to 1000")
	}
	return nil
}

// redriveMatching redrives every webhook a filter matches, a page at a
// time, paced, with progress on a terminal: payhook redrive --since ...
func redriveMatching(cmd *cobra.Command, where target, filters *filterFlags, bulk bulkFlags) error {
	if err := bulk.check(); err != nil {
		return err
	}
	f, err := filters.checked()
	if err != nil {
		return err
	}
	if f, err = operate.CheckRedrive(f); err != nil {
		return usageError("%v", err)
	}
	ctx := context.Background()
	stdout := cmd.OutOrStdout()
	var totals operate.Totals
	err = where.with(ctx, func(op operate.Operator) (err error) {
		progress := newProgress(cmd.ErrOrStderr(), "redriven")
		if *bulk.dryRun {
			progress = newProgress(cmd.ErrOrStderr(), "counted")
		}
		totals, err = operate.Drive(ctx, func(p operate.Page) (operate.BulkPage, error) {
			return op.RedriveMatching(ctx, operate.BulkRequest{Filter: f, Page: p, DryRun: *bulk.dryRun})
		}, operate.DriveOptions{PageSize: *bulk.pageSize, Rate: *bulk.rate, Progress: progress.show})
		progress.done()
		return err
	})
	if *bulk.dryRun {
		if err == nil {
			fmt.Fprintf(stdout, "would redrive %d webhooks (%s); nothing was changed\n", totals.Matched, describe(f))
		}
		return err
	}
	for _, skip := range totals.Skips {
		fmt.Fprintf(stdout, "left alone: %s\n", printable(skip))
	}
	fmt.Fprintf(stdout, "%d redriven (status RETRY; the processor takes them from here), %d left alone (%s)\n", totals.Done, totals.Skipped, describe(f))
	return err
}

// progress shows a bulk action's totals on a terminal, on one line
// redrawn in place; elsewhere it shows nothing.
type progress struct {
	out     io.Writer
	verb    string
	started time.Time
	shown   bool
}

func newProgress(w io.Writer, verb string) *progress {
	p := &progress{verb: verb, started: time.Now()}
	if isTerminal(w) {
		p.out = w
	}
	return p
}

func (p *progress) show(t operate.Totals) {
	if p.out == nil {
		return
	}
	p.shown = true
	if p.verb == "counted" {
		fmt.Fprintf(p.out, "\rcounted %d so far ", t.Matched)
		return
	}
	rate := float64(t.Done) / max(time.Since(p.started).Seconds(), 0.001)
	fmt.Fprintf(p.out, "\r%s %d of %d matched, %d left alone, %.0f/s ", p.verb, t.Done, t.Matched, t.Skipped, rate)
}

func (p *progress) done() {
	if p.shown {
		fmt.Fprintln(p.out)
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
