package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/local"
)

func newAuditCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit verify [FILE [--complete] [--no-repeats]] [--data DIR]",
		Short: "verify an audit trail: nothing missing, reordered or edited",
		Args:  noArgs,
		RunE:  func(*cobra.Command, []string) error { return usageError("want: audit verify [FILE]") },
	}
	cmd.AddCommand(newAuditVerifyCommand())
	return cmd
}

func newAuditVerifyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify [FILE [--complete] [--no-repeats]] [--data DIR]  (FILE: a trail, or a CloudWatch Logs export of the auditor's log group)",
		Short: "check every item's hash chain: nothing missing, reordered or edited",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError("want: audit verify [FILE]")
			}
			return nil
		},
	}
	fs := cmd.Flags()
	dataDir := fs.String("data", envOr("PAYHOOK_DATA_DIR", ".payhook"), "data directory whose audit.jsonl to verify, when no FILE is given")
	complete := fs.Bool("complete", false, "FILE holds every record since the table began, so each item's first record must be its creation (always so for a data directory's trail)")
	noRepeats := fs.Bool("no-repeats", false, "FILE was written exactly once (a copy of a data directory's trail), so a repeated record is a break (always so for a data directory's trail)")
	cmd.RunE = func(cmd *cobra.Command, positional []string) error {
		stdout := cmd.OutOrStdout()
		// A data directory's trail is complete and written exactly once; an
		// export of CloudWatch Logs is written at least once.
		path, options := filepath.Join(*dataDir, local.AuditFile), audit.VerifyOptions{Complete: true}
		if len(positional) == 1 {
			path, options = positional[0], audit.VerifyOptions{Complete: *complete, AllowRepeats: !*noRepeats}
		}
		// A data directory's store says how far its trail must reach: the
		// records a verify cannot see missing, the last ones, are counted
		// there. Asked first: the trail only grows meanwhile.
		var position *local.TrailPosition
		if len(positional) == 0 {
			p, err := local.AuditPosition(context.Background(), *dataDir)
			switch {
			case err == nil:
				position = &p
			case !errors.Is(err, os.ErrNotExist):
				return err
			}
		}
		f, err := os.Open(path) //nolint:gosec // G304: the operator names the trail to read
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }() // read only
		report, err := audit.Verify(f, options)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		if position != nil {
			state, err := audit.ReadTrailState(f)
			if err != nil {
				return fmt.Errorf("read %s: %w", path, err)
			}
			position.Trail = state.Last
			if gap := position.Gap(path); gap != "" {
				report.Breaks = append(report.Breaks, audit.Break{Why: gap})
			}
			if err := position.Mismatch(path); err != nil {
				report.Breaks = append(report.Breaks, audit.Break{Why: err.Error()})
			}
		}
		for _, r := range report.Repeats {
			fmt.Fprintf(stdout, "line %d, %s: repeats line %d exactly (sequence %s): an at-least-once retry, counted once\n", r.Line, printable(r.Item), r.Of, printable(r.Sequence))
		}
		for _, b := range report.Breaks {
			if b.Line == 0 {
				fmt.Fprintf(stdout, "%s\n", printable(b.Why))
				continue
			}
			fmt.Fprintf(stdout, "line %d, %s: %s\n", b.Line, printable(b.Item), b.Why)
		}
		repeats := ""
		if len(report.Repeats) > 0 {
			repeats = fmt.Sprintf(" (%d exact repeats among them)", len(report.Repeats))
		}
		if len(report.Breaks) > 0 {
			return fmt.Errorf("%s: %d records%s of %d items, %d breaks in the chain", path, report.Records, repeats, report.Items, len(report.Breaks))
		}
		if report.Records == 0 {
			return errors.New(path + ": no audit records")
		}
		fmt.Fprintf(stdout, "%s: %d records%s of %d items; every chain holds\n", path, report.Records, repeats, report.Items)
		return nil
	}
	return cmd
}
