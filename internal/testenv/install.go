package testenv

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// installNPMPackage unpacks an npm package (its tarball only, no
// dependencies) into the cache once, and returns its directory. marker is a
// file that exists once the install is complete. Test binaries run in
// parallel, so the install holds a file lock, under which alone it looks
// for the package, and publishes by rename.
func installNPMPackage(spec, marker string) (string, error) {
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, strings.NewReplacer("@", "-", "/", "-").Replace(spec))
	unlock, err := lockFile(dir + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(dir, marker)); err == nil {
		return dir, nil
	}

	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("installing %s needs npm on PATH (Debian: apt-get install npm)", spec)
	}
	scratch, err := os.MkdirTemp(cache, "install-")
	if err != nil {
		return "", err
	}
	defer func() { _ = os.RemoveAll(scratch) }() // scratch space in the cache; a leftover is harmless
	pack := exec.Command(npm, "pack", "--silent", "--pack-destination", scratch, spec)
	pack.Dir = scratch
	out, err := pack.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("npm pack %s: %w\n%s", spec, err, out)
	}
	tarballs, _ := filepath.Glob(filepath.Join(scratch, "*.tgz"))
	if len(tarballs) != 1 {
		return "", fmt.Errorf("npm pack %s: expected one tarball, found %d", spec, len(tarballs))
	}
	unpacked := filepath.Join(scratch, "unpacked")
	if err := untar(tarballs[0], unpacked); err != nil {
		return "", fmt.Errorf("unpack %s: %w", spec, err)
	}
	if _, err := os.Stat(filepath.Join(unpacked, marker)); err != nil {
		return "", fmt.Errorf("%s has no %s", spec, marker)
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := os.Rename(unpacked, dir); err != nil {
		return "", err
	}
	return dir, nil
}

// untar extracts an npm tarball, dropping its leading "package/".
func untar(tarball, dest string) error {
	f, err := os.Open(tarball)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }() // read only
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(zr)
	for {
		header, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		_, rel, _ := strings.Cut(header.Name, "/")
		target := filepath.Join(dest, filepath.FromSlash(rel))
		if rel == "" || !strings.HasPrefix(target, dest+string(os.PathSeparator)) {
			continue
		}
		switch header.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(header.Mode&0o755)|0o644) //nolint:gosec // G115: a tar mode, masked to permission bits
			if err != nil {
				return err
			}
			// npm packages are a few hundred MB at most; the bound keeps a
			// corrupt archive from filling the disk.
			_, err = io.Copy(out, io.LimitReader(tr, maxUnpackedFileBytes))
			if closeErr := out.Close(); err == nil {
				err = closeErr
			}
			if err != nil {
				return err
			}
		}
	}
}

const maxUnpackedFileBytes = 1 << 30

// ShippedSetting, set to 1, makes the tests build the binaries they run
// exactly as they ship (Shipped).
const ShippedSetting = "PAYHOOK_TEST_SHIPPED"

// Shipped says whether the tests build the binaries they run exactly as
// they ship: static (CGO_ENABLED=0) and with -trimpath, besides the
// shipped tags and linker flags they always have. Off by default: that is
// a second compile of the whole dependency graph inside a test binary,
// which on a loaded 2-core machine outlasts go test's 10-minute limit
// (both binaries were killed at 11m0s in a cold run at load 23 to 34);
// .ci/run runs the tests that check the builds with it on.
func Shipped() bool { return os.Getenv(ShippedSetting) == "1" }

// ShippedBuild runs build, a go build of binaries as they ship
// (-trimpath, CGO_ENABLED=0), holding a lock that every test process's
// shipped build takes. Their compiles share most packages (the standard
// library and the common modules, compiled alike), and Go's build cache
// hands them to another build only once one has finished them: side by
// side, two test processes would each compile them all.
func ShippedBuild(build func() error) error {
	cache, err := CacheDir()
	if err != nil {
		return err
	}
	unlock, err := lockFile(filepath.Join(cache, "shipped-build.lock"))
	if err != nil {
		return err
	}
	defer unlock()
	return build()
}

// lockFile takes an exclusive lock on the file at path (created, with its
// directory, if need be), waiting while another test process holds it.
// Whatever the lock guards is looked at only once it is held.
func lockFile(path string) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		_ = lock.Close() // not locked
		return nil, err
	}
	// Closing the file releases the lock.
	return func() { _ = lock.Close() }, nil
}
