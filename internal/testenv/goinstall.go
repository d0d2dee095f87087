package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Go commands the tests run, at pinned versions. They are installed with
// go install outside go.mod, so no test tool enters the module's
// requirements, the Lambdas' dependency graph or the flake's vendorHash.
const (
	// goawsPackage serves SQS and SNS.
	goawsPackage = "github.com/Admiral-Piett/goaws/app/cmd@v0.4.5"
	// riePackage is AWS's Lambda Runtime Interface Emulator, at the version
	// the module proxy serves.
	riePackage = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d"
)

var installed sync.Map // package@version -> *installation

type installation struct {
	once   sync.Once
	binary string
	err    error
}

// goInstall installs pkgAtVersion once into the cache, shared by every
// test process and kept between runs, and returns the binary's path. Test
// binaries start side by side: one installs while the others wait on a
// file lock, then find the binary. It is looked for only under the lock,
// and go install writes into scratch space that is renamed into place, so
// no process takes a half-written binary, nor one a killed install left,
// for an installed one. An install still running at deadline (when not
// zero) is stopped.
func goInstall(pkgAtVersion string, deadline time.Time) (string, error) {
	v, _ := installed.LoadOrStore(pkgAtVersion, &installation{})
	in := v.(*installation)
	in.once.Do(func() { in.binary, in.err = installOnce(pkgAtVersion, deadline) })
	return in.binary, in.err
}

func installOnce(pkgAtVersion string, deadline time.Time) (string, error) {
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	pkg, _, _ := strings.Cut(pkgAtVersion, "@")
	dir := filepath.Join(cache, "gobin", strings.NewReplacer("/", "_", "@", "_").Replace(pkgAtVersion))
	binary := filepath.Join(dir, path.Base(pkg))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	unlock, err := lockFile(dir + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(binary); err == nil {
		return binary, nil
	}
	scratch, err := os.MkdirTemp(dir, ".install-")
	if err != nil {
		return "", err
	}
	defer func() { _ = os.RemoveAll(scratch) }() // emptied by the rename; a leftover is harmless
	ctx := context.Background()
	if !deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	install := exec.CommandContext(ctx, "go", "install", pkgAtVersion)
	install.Env = append(os.Environ(), "GOBIN="+scratch, "GOFLAGS=")
	if out, err := install.CombinedOutput(); err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("go install %s did not finish before the test's deadline (go test -timeout)\n%s", pkgAtVersion, out)
		}
		return "", fmt.Errorf("go install %s (needs the Go module proxy once): %w\n%s", pkgAtVersion, err, out)
	}
	if err := os.Rename(filepath.Join(scratch, path.Base(pkg)), binary); err != nil {
		return "", fmt.Errorf("go install %s: %w", pkgAtVersion, err)
	}
	return binary, nil
}
