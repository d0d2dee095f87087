package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/payhook/payhook/shared/local"
)

func newCheckCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check [--json] [--data DIR]  (reads the whole store and where the audit trail stands; with serve running, through it)",
		Short: "read the whole store and where the audit trail stands against it",
		Args:  noArgs,
	}
	fs := cmd.Flags()
	dataDir := dataDirFlag(fs, "data directory to check")
	asJSON := fs.Bool("json", false, "print JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		stdout := cmd.OutOrStdout()
		report, err := local.Check(context.Background(), *dataDir)
		if err != nil {
			return err
		}
		if *asJSON {
			if err := printJSON(stdout, report); err != nil {
				return err
			}
		} else {
			pages := "every page checked"
			if !report.Store.Pages {
				pages = "pages not checked while serve runs"
			}
			fmt.Fprintf(stdout, "%s: %d bytes, %s; read whole: %s\n", report.Store.Path, report.Store.Bytes, pages, strings.Join(report.Store.Readable, ", "))
			p := report.Trail.Position
			fmt.Fprintf(stdout, "%s: %d bytes, through change %d; the auditor's checkpoint %d, the store's last change %d\n", report.Trail.Path, report.Trail.Bytes, p.Trail, p.Checkpoint, p.Feed)
			if report.Trail.Torn > 0 {
				fmt.Fprintf(stdout, "%s ends in a torn line of %d bytes (a crash mid-append): serve moves it aside when it starts\n", report.Trail.Path, report.Trail.Torn)
			}
		}
		if len(report.Problems) > 0 {
			if !*asJSON {
				printProblems(stdout, report)
			}
			return fmt.Errorf("%s: %d problems", *dataDir, len(report.Problems))
		}
		if !*asJSON {
			fmt.Fprintln(stdout, "no problem found")
		}
		return nil
	}
	return cmd
}

// printProblems lists what a check found wrong.
func printProblems(w io.Writer, report local.CheckReport) {
	for _, problem := range report.Problems {
		fmt.Fprintf(w, "problem: %s\n", printable(problem))
	}
}
