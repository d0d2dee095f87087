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
		Use:   "audit verify [FILE [--complete] [--no-repeats]] [--data DIR] [--anchor BACKUP] | audit cut [--data DIR]",
		Short: "verify an audit trail (nothing missing, reordered or edited), or cut it back to its checkpoint",
		Args:  noArgs,
		RunE:  func(*cobra.Command, []string) error { return usageError("want: audit verify [FILE], or audit cut") },
	}
	cmd.AddCommand(newAuditVerifyCommand(), newAuditCutCommand())
	return cmd
}

func newAuditCutCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cut [--data DIR]  (serve stopped)",
		Short: "cut the trail back to the auditor's checkpoint, keeping what is cut beside it (audit.jsonl.cut-TIME)",
		Args:  noArgs,
	}
	dataDir := dataDirFlag(cmd.Flags(), "data directory whose audit.jsonl to cut")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		report, err := local.CutTrail(*dataDir)
		if err != nil {
			return err
		}
		trail := filepath.Join(*dataDir, local.AuditFile)
		if report.Aside == "" {
			fmt.Fprintf(cmd.OutOrStdout(), "%s ends at the auditor's checkpoint (change %d): nothing to cut\n", trail, report.Checkpoint)
			return nil
		}
		fmt.Fprintf(cmd.OutOrStdout(), "cut %s back to the auditor's checkpoint (change %d, its last record now %d); the %d bytes cut are in %s\n",
			trail, report.Checkpoint, report.Trail, report.Bytes, report.Aside)
		return nil
	}
	return cmd
}

func newAuditVerifyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify [FILE [--complete] [--no-repeats]] [--data DIR] [--anchor BACKUP]  (FILE: a trail, or a CloudWatch Logs export of the auditor's log group)",
		Short: "check every item's hash chain: nothing missing, reordered or edited",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError("want: audit verify [FILE]")
			}
			return nil
		},
	}
	fs := cmd.Flags()
	dataDir := dataDirFlag(fs, "data directory whose audit.jsonl to verify, when no FILE is given")
	complete := fs.Bool("complete", false, "FILE holds every record since the table began, so each item's first record must be its creation (always so for a data directory's trail)")
	noRepeats := fs.Bool("no-repeats", false, "FILE was written exactly once (a copy of a data directory's trail), so a repeated record, a sequence that does not follow the previous by one, or a line without a record is a break (always so for a data directory's trail)")
	anchor := fs.String("anchor", "", "a backup kept elsewhere (payhook backup FILE): the trail must still begin with the trail it recorded, so that a rewrite of earlier records, digests and all, shows")
	cmd.RunE = func(cmd *cobra.Command, positional []string) error {
		stdout := cmd.OutOrStdout()
		// A data directory's trail is complete and written exactly once; an
		// export of CloudWatch Logs is written at least once.
		path, options := filepath.Join(*dataDir, local.AuditFile), audit.VerifyOptions{Complete: true, Contiguous: true}
		if len(positional) == 1 {
			path, options = positional[0], audit.VerifyOptions{Complete: *complete, AllowRepeats: !*noRepeats, Contiguous: *noRepeats}
		} else if _, err := local.CheckDataDir(*dataDir); err != nil {
			return err // said as every command says it
		}
		// A data directory's store says how far its trail must reach: the
		// records a verify cannot see missing, the last ones, are counted
		// there. Asked first: the trail only grows meanwhile.
		var position *local.TrailPosition
		var noStore error
		if len(positional) == 0 {
			p, err := local.AuditPosition(context.Background(), *dataDir)
			switch {
			case err == nil:
				position = &p
			case errors.Is(err, os.ErrNotExist):
				noStore = err
			default:
				return err
			}
		}
		f, err := os.Open(path) //nolint:gosec // G304: the operator names the trail to read
		if errors.Is(err, os.ErrNotExist) && noStore != nil {
			return noStore // neither store nor trail: said as every command says it
		}
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
			if err := position.MismatchIn(*dataDir); err != nil {
				report.Breaks = append(report.Breaks, audit.Break{Why: err.Error()})
			}
		}
		if *anchor != "" {
			manifest, err := local.ReadAnchor(*anchor)
			if err != nil {
				return err
			}
			if err := local.CheckAnchor(manifest, f); err != nil {
				report.Breaks = append(report.Breaks, audit.Break{Why: err.Error() + " (" + *anchor + ")"})
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
