package local

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	// TrailSHA256 is the digest of the backup's trail, TrailBytes long:
	// the data directory's trail begins with those bytes for as long as
	// it is not rewritten, and a backup kept elsewhere is the anchor that
	// shows it was (payhook audit verify --anchor). Empty in a backup
	// from before it was recorded.
	TrailSHA256 string `json:"trail_sha256,omitempty"`
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

// backupIdle is how long the backup's reader may take no data before the
// connection is cut: a stalled reader holds a spool file in the data
// directory, nothing more.
const backupIdle = time.Minute

// serveBackup streams a backup from the running serve, one at a time: a
// second is refused (409) while one runs. Once it has begun, a failure
// cuts the connection, so the CLI reads a tar cut short.
func (s *Server) serveBackup(w http.ResponseWriter, r *http.Request) {
	if !s.backingUp.TryLock() {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "a backup is already being taken from this serve: try again when it is done"}) // the CLI's to read
		return
	}
	defer s.backingUp.Unlock()
	// However large the store, the reader must keep taking data: each
	// write has backupIdle to go through, not the admin API's whole
	// write timeout.
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "application/x-tar")
	started := false
	_, err := writeBackup(s.Store, s.DataDir, writerFunc(func(p []byte) (int, error) {
		if err := rc.SetWriteDeadline(time.Now().Add(backupIdle)); err != nil {
			return 0, err
		}
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
//
// The snapshot is copied at the disk's speed into a spool file in the
// data directory, inside its read transaction, which then ends; only
// then is the backup written to w, as slowly as w takes it. A read
// transaction held while a slow reader drained it would stop every
// commit that grows the file (bbolt remaps the file only with no reader
// open), and with them every delivery.
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
	spool, err := newSpool(dir)
	if err != nil {
		return BackupManifest{}, err
	}
	defer spool.remove()
	var manifest BackupManifest
	err = st.InSnapshot(func(snapshot embedded.Snapshot) error {
		checkpoint := snapshot.FeedCheckpoint(AuditorConsumer)
		// Read after the snapshot began, the trail holds every record
		// through the snapshot's checkpoint: the auditor syncs the trail
		// before it checkpoints. Those records only ever stay.
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
		_, err := snapshot.WriteTo(spool.file)
		return err
	})
	if err != nil {
		return BackupManifest{}, err
	}
	if manifest.TrailSHA256, err = digestOf(readerAtOrEmpty(trail), manifest.TrailBytes); err != nil {
		return BackupManifest{}, err
	}
	encoded, err := json.MarshalIndent(manifest, "", "  ")
	if err != nil {
		return BackupManifest{}, err
	}
	tw := tar.NewWriter(w)
	entries := []backupEntry{
		{manifestFile, bytes.NewReader(encoded), int64(len(encoded))},
		{AuditFile, io.NewSectionReader(readerAtOrEmpty(trail), 0, manifest.TrailBytes), manifest.TrailBytes},
		{DBFile, io.NewSectionReader(spool.file, 0, manifest.StoreBytes), manifest.StoreBytes},
	}
	if secrets != nil {
		entries = append(entries, backupEntry{DevSecretsFile, bytes.NewReader(secrets), int64(len(secrets))})
	}
	for _, e := range entries {
		if err := tarEntry(tw, e.name, e.size, func(w io.Writer) error {
			n, err := io.Copy(w, e.content)
			if err == nil && n != e.size {
				err = fmt.Errorf("%s: %d bytes read, %d expected", e.name, n, e.size)
			}
			return err
		}); err != nil {
			return BackupManifest{}, err
		}
	}
	return manifest, tw.Close()
}

// backupEntry is a file of a backup: its name in the tar, what it holds.
type backupEntry struct {
	name    string
	content io.Reader
	size    int64
}

// digestOf is the SHA-256, in hex, of r's first n bytes.
func digestOf(r io.ReaderAt, n int64) (string, error) {
	h := sha256.New()
	copied, err := io.Copy(h, io.NewSectionReader(r, 0, n))
	if err == nil && copied != n {
		err = fmt.Errorf("%d bytes read, %d expected", copied, n)
	}
	return hex.EncodeToString(h.Sum(nil)), err
}

// ReadAnchor reads the manifest at the start of the backup in path: what
// it records of the trail anchors the trail's past (CheckAnchor).
func ReadAnchor(path string) (BackupManifest, error) {
	f, err := os.Open(path) //nolint:gosec // G304: the operator names the backup
	if err != nil {
		return BackupManifest{}, err
	}
	defer func() { _ = f.Close() }() // read only
	tr := tar.NewReader(f)
	header, err := tr.Next()
	if err != nil || header.Name != manifestFile || header.Typeflag != tar.TypeReg {
		return BackupManifest{}, fmt.Errorf("%s: not a payhook backup", path)
	}
	var manifest BackupManifest
	if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&manifest); err != nil || manifest.Format != backupFormat {
		return BackupManifest{}, fmt.Errorf("%s: not a backup this payhook reads", path)
	}
	if manifest.TrailSHA256 == "" {
		return BackupManifest{}, fmt.Errorf("%s: a backup from before payhook recorded its trail's digest: it anchors nothing", path)
	}
	return manifest, nil
}

// CheckAnchor says whether trail, read from its start, still holds the
// trail the backup's manifest recorded: the same first TrailBytes bytes.
// Records rewritten since, digests recomputed, fail it.
func CheckAnchor(manifest BackupManifest, trail io.ReaderAt) error {
	digest, err := digestOf(trail, manifest.TrailBytes)
	if err != nil {
		return fmt.Errorf("the trail is shorter than the %d bytes it held at the backup of %s: records before change %d are gone",
			manifest.TrailBytes, manifest.CreatedAt.Format(time.RFC3339), manifest.Position.Trail+1)
	}
	if digest != manifest.TrailSHA256 {
		return fmt.Errorf("the trail's first %d bytes, through change %d, are not those the backup of %s recorded: records before it were rewritten",
			manifest.TrailBytes, manifest.Position.Trail, manifest.CreatedAt.Format(time.RFC3339))
	}
	return nil
}

// readerAtOrEmpty is f, or nothing to read when there is no f.
func readerAtOrEmpty(f *os.File) io.ReaderAt {
	if f == nil {
		return bytes.NewReader(nil)
	}
	return f
}

// spool is a file in the data directory that a backup's snapshot is
// copied into: as secret as the store (0600, created exclusively under a
// name of its own, never through a link), and removed at once where the
// system lets an open file go (Unix), so a crash mid-backup leaves none.
type spool struct {
	file     *os.File
	unlinked bool
}

func newSpool(dir string) (*spool, error) {
	f, err := os.CreateTemp(dir, ".backup-snapshot-*")
	if err != nil {
		return nil, fmt.Errorf("a backup copies the store into its data directory first: %w", err)
	}
	return &spool{file: f, unlinked: os.Remove(f.Name()) == nil}, nil
}

func (s *spool) remove() {
	_ = s.file.Close() // a copy, about to go
	if !s.unlinked {
		_ = os.Remove(s.file.Name()) // on a failure, a leftover named .backup-snapshot-*
	}
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
