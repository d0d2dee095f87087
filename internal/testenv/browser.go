package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// PlaywrightPackage is the npm package that drives the browser: the
// library alone, no bundled browsers (it drives Debian's chromium).
const PlaywrightPackage = "playwright-core@1.65.2"

// Browser runs Playwright scripts against Debian's chromium.
type Browser struct {
	node, playwright, chromium string
}

var browser struct {
	once sync.Once
	b    Browser
	err  error
}

// NeedBrowser returns the browser the console's tests drive, installing
// playwright-core into the cache once. It fails the test, never skips it,
// when node or chromium is missing.
func NeedBrowser(t testing.TB) Browser {
	t.Helper()
	browser.once.Do(func() {
		var b Browser
		if b.node, browser.err = exec.LookPath("node"); browser.err != nil {
			browser.err = errors.New("the browser tests need Node.js on PATH (Debian: apt-get install nodejs npm)")
			return
		}
		if b.chromium, browser.err = exec.LookPath("chromium"); browser.err != nil {
			browser.err = errors.New("the browser tests need Debian's chromium on PATH (apt-get install chromium)")
			return
		}
		if b.playwright, browser.err = installNPMPackage(PlaywrightPackage, "package.json"); browser.err != nil {
			return
		}
		browser.b = b
	})
	if browser.err != nil {
		t.Fatal(browser.err)
	}
	return browser.b
}

// Run runs the Playwright script at path with input as JSON in its
// PAYHOOK_INPUT, and decodes the JSON it prints last into output. The
// script finds playwright-core in PLAYWRIGHT and chromium in CHROMIUM.
// Its own steps have timeouts; this one only stops a script that hangs.
func (b Browser) Run(t testing.TB, path string, input, output any) {
	t.Helper()
	raw, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.node, abs)
	cmd.Env = append(os.Environ(), "PLAYWRIGHT="+b.playwright, "CHROMIUM="+b.chromium, "PAYHOOK_INPUT="+string(raw))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s%s", path, err, stdout.String(), stderr.String())
	}
	lines := bytes.Split(bytes.TrimSpace(stdout.Bytes()), []byte("\n"))
	if err := json.Unmarshal(lines[len(lines)-1], output); err != nil {
		t.Fatalf("%s printed no JSON result: %v\n%s%s", path, err, stdout.String(), stderr.String())
	}
}
