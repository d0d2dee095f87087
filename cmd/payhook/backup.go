package main

import (
	"context"
	"fmt"
	"io"

	"github.com/payhook/payhook/shared/local"
)

func backupCommand(args []string, stdout, _ io.Writer) error {
	fs := newFlags("backup", "backup [--data DIR] FILE  (works while serve runs; FILE is written whole or not at all, mode 0600)", stdout)
	dataDir := fs.String("data", envOr("PAYHOOK_DATA_DIR", ".payhook"), "data directory to back up (env PAYHOOK_DATA_DIR)")
	positional, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		return usageError("name the backup FILE")
	}
	manifest, err := local.BackupToFile(context.Background(), *dataDir, positional[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s: store %d bytes, audit trail %d bytes through change %d (the store's last: %d)\n",
		*dataDir, positional[0], manifest.StoreBytes, manifest.TrailBytes, manifest.Position.Trail, manifest.Position.Feed)
	if manifest.Position.Trail < manifest.Position.Checkpoint {
		return fmt.Errorf("the audit trail lacks the records from change %d to %d: payhook check --data %s says more", manifest.Position.Trail+1, manifest.Position.Checkpoint, *dataDir)
	}
	return nil
}
