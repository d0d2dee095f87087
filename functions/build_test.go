//go:build !sandbox

package functions_test

import (
	"debug/buildinfo"
	"debug/elf"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/lambdabuild"
	"github.com/payhook/payhook/internal/testenv"
)

// builds is this test process's one build of the functions and of the
// cold-start baselines, shared by every test here.
var builds struct {
	dir string
	err error
}

// TestMain builds once, for every test here. With PAYHOOK_TEST_SHIPPED=1
// the build compiles the functions' whole dependency graph again, and
// takes turns with the CLI's (testenv.ShippedBuild).
func TestMain(m *testing.M) {
	builds.err = testenv.ShippedBuild(func() (err error) {
		builds.dir, err = build()
		return err
	})
	code := m.Run()
	if builds.dir != "" {
		_ = os.RemoveAll(builds.dir) // a temporary directory
	}
	os.Exit(code)
}

// baselines are the cold-start baselines, by the name the tables give them.
var baselines = map[string]string{"hello": lambdabuild.Hello, "hello+sdk": lambdabuild.HelloSDK}

// bootstrap is the binary of a function, or of a baseline, built for this
// machine (lambdabuild.BuildForTests) in a directory of its own named
// <name>-fn, after which the emulator names the function.
func bootstrap(t *testing.T, name string) string {
	t.Helper()
	if builds.err != nil {
		t.Fatalf("build the functions: %v", builds.err)
	}
	return filepath.Join(builds.dir, name+"-fn", "bootstrap")
}

func build() (string, error) {
	dir, err := os.MkdirTemp("", "payhook-functions-")
	if err != nil {
		return "", err
	}
	functions, err := lambdabuild.Functions("..")
	if err != nil {
		return dir, err
	}
	names := map[string]string{} // package path -> name
	for _, name := range functions {
		names["./functions/"+name] = name
	}
	for name, pkg := range baselines {
		names[pkg] = name
	}
	var pkgs []string
	for pkg := range names {
		pkgs = append(pkgs, pkg)
	}
	if err := lambdabuild.BuildForTests("..", dir, testenv.Shipped(), pkgs...); err != nil {
		return dir, err
	}
	for pkg, name := range names {
		if err := os.Mkdir(filepath.Join(dir, name+"-fn"), 0o755); err != nil {
			return dir, err
		}
		if err := os.Rename(filepath.Join(dir, filepath.Base(pkg)), filepath.Join(dir, name+"-fn", "bootstrap")); err != nil {
			return dir, err
		}
	}
	return dir, nil
}

// TestTheTestedFunctionsAreTheShippedBuild: what the tests run has the
// zips' tags and linker flags; with PAYHOOK_TEST_SHIPPED=1 (testenv.Shipped,
// as .ci/run sets it) it is what the zips ship, for this machine's
// architecture: static (CGO_ENABLED=0, no dynamic loader) and -trimpath.
func TestTheTestedFunctionsAreTheShippedBuild(t *testing.T) {
	functions, err := lambdabuild.Functions("..")
	is.New(t).NoErr(err)
	for _, name := range functions {
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			binary := bootstrap(t, name)
			info, err := buildinfo.ReadFile(binary)
			is.NoErr(err)
			settings := map[string]string{}
			for _, s := range info.Settings {
				settings[s.Key] = s.Value
			}
			is.Equal(settings["-tags"], strings.Join(lambdabuild.Tags, ","))
			exe, err := elf.Open(binary)
			is.NoErr(err)
			defer func() { _ = exe.Close() }() // read only
			_, err = exe.Symbols()
			is.True(errors.Is(err, elf.ErrNoSymbols)) // -s
			if !testenv.Shipped() {
				is.Equal(settings["-ldflags"], strings.Join(lambdabuild.LDFlags, " "))
				return
			}
			// -trimpath keeps -ldflags out of the build information.
			is.Equal(settings["CGO_ENABLED"], "0")
			is.Equal(settings["-trimpath"], "true")
			for _, p := range exe.Progs {
				is.True(p.Type != elf.PT_INTERP) // no dynamic loader: static
			}
		})
	}
}
