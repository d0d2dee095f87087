package main

import (
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
		Use:   "audit verify [FILE [--complete]] [--data DIR]",
		Short: "verify an audit trail: nothing missing, reordered or edited",
		Args:  noArgs,
		RunE:  func(*cobra.Command, []string) error { return usageError("want: audit verify [FILE]") },
	}
	cmd.AddCommand(newAuditVerifyCommand())
	return cmd
}

func newAuditVerifyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify [FILE [--complete]] [--data DIR]  (FILE: a trail, or a CloudWatch Logs export of the auditor's log group)",
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
	cmd.RunE = func(cmd *cobra.Command, positional []string) error {
		stdout := cmd.OutOrStdout()
		path, whole := filepath.Join(*dataDir, local.AuditFile), true
		if len(positional) == 1 {
			path, whole = positional[0], *complete
		} else if _, err := local.CheckDataDir(*dataDir); err != nil {
			return err // said as every command says it
		}
		f, err := os.Open(path) //nolint:gosec // G304: the operator names the trail to read
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }() // read only
		report, err := audit.Verify(f, whole)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		for _, b := range report.Breaks {
			fmt.Fprintf(stdout, "line %d, %s: %s\n", b.Line, printable(b.Item), b.Why)
		}
		if len(report.Breaks) > 0 {
			return fmt.Errorf("%s: %d records of %d items, %d breaks in the chain", path, report.Records, report.Items, len(report.Breaks))
		}
		if report.Records == 0 {
			return errors.New(path + ": no audit records")
		}
		fmt.Fprintf(stdout, "%s: %d records of %d items; every chain holds\n", path, report.Records, report.Items)
		return nil
	}
	return cmd
}
