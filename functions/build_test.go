//go:build !sandbox

package functions_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/payhook/payhook/internal/lambdabuild"
)

// builds is this test process's one build of the functions and of the
// cold-start baselines, shared by every test here.
var builds struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
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
	builds.once.Do(func() { builds.dir, builds.err = build() })
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
	if err := lambdabuild.BuildForTests("..", dir, pkgs...); err != nil {
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
