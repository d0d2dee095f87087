package local

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"time"

	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/store/embedded"
)

// A backup is a tar of a data directory at one moment: backup.json (the
// manifest), audit.jsonl, payhook.db, and dev-secrets.json when the data
// directory has one. The store is a read transaction's snapshot; the
// trail is cut at the snapshot's auditor checkpoint, so that the two
// agree: every record the snapshot's auditor had written, none of a
// change the snapshot has not made. After a restore, the auditor goes on
// from that checkpoint and the trail with it.
const (
	manifestFile = "backup.json"
	// backupFormat is the manifest's format; a restore refuses others.
	backupFormat = 1
)

// BackupManifest says what a backup holds.
type BackupManifest struct {
	Format    int       `json:"format"`
	CreatedAt time.Time `json:"created_at"`
	// StoreBytes and TrailBytes are payhook.db's and audit.jsonl's sizes.
	StoreBytes int64 `json:"store_bytes"`
	TrailBytes int64 `json:"trail_bytes"`
	// Position is where the trail stands against the store in the backup.
	Position   TrailPosition `json:"position"`
	DevSecrets bool          `json:"dev_secrets"`
}

// WriteBackup writes a backup of the data directory to w: from the running
// serve when one answers, else from the store opened here.
func WriteBackup(ctx context.Context, dataDir string, w io.Writer) error {
	dir, err := CheckDataDir(dataDir)
	if err != nil {
		return err
	}
	if info, ok := RunningServe(dir); ok {
		return remote(info, time.Hour).Download(ctx, backupPath, w)
	}
	st, err := openExistingStore(dir)
	if err != nil {
		return err
	}
	_, err = writeBackup(st, dir, w)
	return errors.Join(err, st.Close())
}

// BackupToFile writes a backup of the data directory to path (mode 0600),
// complete or not at all: it is written beside path, read back whole, and
// only then renamed over it.
func BackupToFile(ctx context.Context, dataDir, path string) (BackupManifest, error) {
	partial := path + ".partial"
	// A leftover of a backup that stopped goes; a link there is removed,
	// never followed.
	if err := os.Remove(partial); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return BackupManifest{}, err
	}
	f, err := os.OpenFile(partial, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600) //nolint:gosec // G304: the operator names the backup
	if err != nil {
		return BackupManifest{}, err
	}
	manifest, err := func() (BackupManifest, error) {
		if err := WriteBackup(ctx, dataDir, f); err != nil {
			return BackupManifest{}, err
		}
		if err := f.Sync(); err != nil {
			return BackupManifest{}, err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return BackupManifest{}, err
		}
		return readBackup(f, func(string, int64, io.Reader) error { return nil })
	}()
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return BackupManifest{}, errors.Join(fmt.Errorf("backup %s: %w", path, err), os.Remove(partial))
	}
	return manifest, os.Rename(partial, path)
}

// serveBackup streams a backup from the running serve. Once it has begun,
// a failure cuts the connection, so the CLI reads a tar cut short.
func (s *Server) serveBackup(w http.ResponseWriter, r *http.Request) {
	// A large store takes longer than the admin API's write timeout.
	if err := http.NewResponseController(w).SetWriteDeadline(time.Time{}); err != nil {
		operate.Reply(w, nil, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-tar")
	started := false
	_, err := writeBackup(s.Store, s.DataDir, writerFunc(func(p []byte) (int, error) {
		started = true
		return w.Write(p)
	}))
	switch {
	case err != nil && !started:
		w.Header().Set("Content-Type", "application/json")
		operate.Reply(w, nil, err)
	case err != nil:
		panic(http.ErrAbortHandler)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// writeBackup writes a backup of st, the data directory's store, with its
// trail and development secrets, to w.
func writeBackup(st *embedded.Store, dir string, w io.Writer) (BackupManifest, error) {
	trail, err := openInDataDir(dir, AuditFile, os.O_RDONLY, 0)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		trail = nil
	case err != nil:
		return BackupManifest{}, err
	}
	if trail != nil {
		defer func() { _ = trail.Close() }() // read only
	}
	secrets, err := readDataFile(dir, DevSecretsFile)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return BackupManifest{}, err
	}
	tw := tar.NewWriter(w)
	var manifest BackupManifest
	err = st.InSnapshot(func(snapshot embedded.Snapshot) error {
		checkpoint := snapshot.FeedCheckpoint(AuditorConsumer)
		// Read after the snapshot began, the trail holds every record
		// through the snapshot's checkpoint: the auditor syncs the trail
		// before it checkpoints.
		var cut audit.TrailState
		if trail != nil {
			var err error
			if cut, err = audit.TrailThrough(trail, checkpoint); err != nil {
				return err
			}
		}
		manifest = BackupManifest{
			Format: backupFormat, CreatedAt: time.Now().UTC(), StoreBytes: snapshot.Bytes(), TrailBytes: cut.Size,
			Position:   TrailPosition{Trail: cut.Last, Checkpoint: checkpoint, Feed: snapshot.FeedSequence()},
			DevSecrets: secrets != nil,
		}
		encoded, err := json.MarshalIndent(manifest, "", "  ")
		if err != nil {
			return err
		}
		if err := tarEntry(tw, manifestFile, int64(len(encoded)), func(w io.Writer) error { _, err := w.Write(encoded); return err }); err != nil {
			return err
		}
		if err := tarEntry(tw, AuditFile, cut.Size, func(w io.Writer) error {
			if trail == nil {
				return nil
			}
			_, err := io.Copy(w, io.NewSectionReader(trail, 0, cut.Size))
			return err
		}); err != nil {
			return err
		}
		return tarEntry(tw, DBFile, snapshot.Bytes(), func(w io.Writer) error { _, err := snapshot.WriteTo(w); return err })
	})
	if err != nil {
		return BackupManifest{}, err
	}
	if secrets != nil {
		if err := tarEntry(tw, DevSecretsFile, int64(len(secrets)), func(w io.Writer) error { _, err := w.Write(secrets); return err }); err != nil {
			return BackupManifest{}, err
		}
	}
	return manifest, tw.Close()
}

func tarEntry(tw *tar.Writer, name string, size int64, write func(io.Writer) error) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: size, ModTime: time.Now(), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	return write(tw)
}

// readBackup reads a backup whole, checking that it holds what its
// manifest says, and hands each file to file.
func readBackup(r io.Reader, file func(name string, size int64, content io.Reader) error) (BackupManifest, error) {
	tr := tar.NewReader(r)
	var manifest BackupManifest
	seen := map[string]bool{}
	for {
		header, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return manifest, fmt.Errorf("not a whole payhook backup: %w", err)
		}
		name := header.Name
		switch {
		case header.Typeflag != tar.TypeReg || seen[name]:
			return manifest, fmt.Errorf("not a payhook backup: %q", name)
		case len(seen) == 0 && name != manifestFile:
			return manifest, fmt.Errorf("not a payhook backup: it starts with %q, not %s", name, manifestFile)
		case name == manifestFile:
			if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&manifest); err != nil || manifest.Format != backupFormat {
				return manifest, fmt.Errorf("%s: not a backup this payhook reads (format %d)", manifestFile, manifest.Format)
			}
		case name == AuditFile && header.Size == manifest.TrailBytes, name == DBFile && header.Size == manifest.StoreBytes, name == DevSecretsFile && manifest.DevSecrets:
			if err := file(name, header.Size, tr); err != nil {
				return manifest, err
			}
		default:
			return manifest, fmt.Errorf("not a payhook backup, or not as its manifest says: %q of %d bytes", name, header.Size)
		}
		seen[name] = true
	}
	for _, name := range []string{manifestFile, AuditFile, DBFile} {
		if !seen[name] {
			return manifest, fmt.Errorf("not a whole payhook backup: no %s", name)
		}
	}
	if manifest.DevSecrets && !seen[DevSecretsFile] {
		return manifest, fmt.Errorf("not a whole payhook backup: no %s", DevSecretsFile)
	}
	return manifest, nil
}
