package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/payhook/payhook/shared/local"
)

func newRestoreCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "restore [--data DIR] [--replace] FILE  (serve must be stopped; FILE is a payhook backup)",
		Short: "put a backup in place",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("name the backup FILE")
			}
			return nil
		},
	}
	fs := cmd.Flags()
	dataDir := dataDirFlag(fs, "data directory to restore into, created if needed")
	replace := fs.Bool("replace", false, "move the data directory's store, trail and development secrets aside (NAME.replaced-TIME) and restore in their place")
	cmd.RunE = func(cmd *cobra.Command, positional []string) error {
		stdout := cmd.OutOrStdout()
		f, err := os.Open(positional[0]) //nolint:gosec // G703: the operator names the backup
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }() // read only
		report, err := local.Restore(context.Background(), *dataDir, f, *replace)
		if err != nil {
			return fmt.Errorf("%s: %w", positional[0], err)
		}
		for _, aside := range report.Replaced {
			fmt.Fprintf(stdout, "moved aside: %s\n", aside)
		}
		m := report.Manifest
		fmt.Fprintf(stdout, "restored %s into %s: the store and its audit trail as they were at %s (through change %d)\n",
			positional[0], *dataDir, m.CreatedAt.Local().Format("2006-01-02 15:04:05"), m.Position.Feed)
		printProblems(stdout, report.Check)
		// Providers retry a delivery for up to three days, so an event created
		// that long before the backup may have been acknowledged after it.
		fmt.Fprintf(stdout, "webhooks acknowledged after the backup are not in it: once serve runs, payhook reconcile each provider --since %s\n",
			m.CreatedAt.Add(-72*time.Hour).Format(time.RFC3339))
		return nil
	}
	return cmd
}
