package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/payhook/payhook/shared/local"
)

func newBackupCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backup [--data DIR] FILE  (works while serve runs; FILE is written whole or not at all, mode 0600)",
		Short: "copy the store and its audit trail, consistent, while serve runs",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("name the backup FILE")
			}
			return nil
		},
	}
	dataDir := dataDirFlag(cmd.Flags(), "data directory to back up")
	cmd.RunE = func(cmd *cobra.Command, positional []string) error {
		manifest, err := local.BackupToFile(context.Background(), *dataDir, positional[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "backed up %s to %s: store %d bytes, audit trail %d bytes through change %d (the store's last: %d)\n",
			*dataDir, positional[0], manifest.StoreBytes, manifest.TrailBytes, manifest.Position.Trail, manifest.Position.Feed)
		if manifest.Position.Trail < manifest.Position.Checkpoint {
			return fmt.Errorf("the audit trail lacks the records from change %d to %d: payhook check --data %s says more", manifest.Position.Trail+1, manifest.Position.Checkpoint, *dataDir)
		}
		return nil
	}
	return cmd
}
