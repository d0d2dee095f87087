package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
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
// test process and kept between runs, and returns the binary's path.
func goInstall(pkgAtVersion string) (string, error) {
	v, _ := installed.LoadOrStore(pkgAtVersion, &installation{})
	in := v.(*installation)
	in.once.Do(func() {
		cache, err := CacheDir()
		if err != nil {
			in.err = err
			return
		}
		pkg, _, _ := strings.Cut(pkgAtVersion, "@")
		dir := filepath.Join(cache, "gobin", strings.NewReplacer("/", "_", "@", "_").Replace(pkgAtVersion))
		in.binary = filepath.Join(dir, path.Base(pkg))
		if _, err := os.Stat(in.binary); err == nil {
			return
		}
		// Test binaries start side by side: one installs while the others
		// wait for it, rather than each compiling the same command.
		if err := os.MkdirAll(dir, 0o755); err != nil {
			in.err = err
			return
		}
		lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			in.err = err
			return
		}
		// Closing the file releases the lock.
		defer func() { _ = lock.Close() }()
		if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
			in.err = err
			return
		}
		if _, err := os.Stat(in.binary); err == nil {
			return
		}
		install := exec.Command("go", "install", pkgAtVersion)
		install.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=")
		if out, err := install.CombinedOutput(); err != nil {
			in.err = fmt.Errorf("go install %s (needs the Go module proxy once): %w\n%s", pkgAtVersion, err, out)
		}
	})
	return in.binary, in.err
}
