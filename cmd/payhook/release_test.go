//go:build !sandbox

package main_test

import (
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
)

// TestTheTestedCLIIsTheRelease: the binary every test here runs is linked
// as .goreleaser.yaml links a release (releaseLDFlags): stripped, with the
// release's values; with PAYHOOK_TEST_SHIPPED=1 (testenv.Shipped, as
// .ci/run sets it) it is compiled as one too: static and trimmed.
func TestTheTestedCLIIsTheRelease(t *testing.T) {
	is := is.New(t)
	info, err := buildinfo.ReadFile(binary)
	is.NoErr(err)
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	exe, err := elf.Open(binary)
	is.NoErr(err)
	defer func() { _ = exe.Close() }() // read only
	_, err = exe.Symbols()
	is.True(errors.Is(err, elf.ErrNoSymbols)) // -s
	if testenv.Shipped() {
		is.Equal(settings["CGO_ENABLED"], "0")
		is.Equal(settings["-trimpath"], "true")
		for _, p := range exe.Progs {
			is.True(p.Type != elf.PT_INTERP) // no dynamic loader: static
		}
	} else {
		is.Equal(settings["-ldflags"], releaseLDFlags)
	}

	config, err := os.ReadFile("../../.goreleaser.yaml")
	is.NoErr(err)
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "- -s -w -X main.version={{ .Version }} -X main.commit={{ .FullCommit }} -X main.date={{ .CommitDate }}"} {
		is.True(strings.Contains(string(config), want)) // what the shipped test build copies
	}
	// The image's binary is linked as the archives' (one anchored list),
	// on a base pinned by digest.
	is.Equal(strings.Count(string(config), "ldflags: &ldflags\n"), 1)
	is.Equal(strings.Count(string(config), "ldflags: *ldflags\n"), 1)
	is.True(regexp.MustCompile(`(?m)^\s+base_image: \S+@sha256:[0-9a-f]{64}$`).Match(config))
}

// TestVersionOfARelease reads back the release's values linked into the
// tested binary, and what a plain go build (go install) says instead.
func TestVersionOfARelease(t *testing.T) {
	is := is.New(t)
	text, err := exec.Command(binary, "version").Output()
	is.NoErr(err)
	is.Equal(string(text), "payhook 1.4.0\ncommit  9f2c1e0d\nbuilt   2026-12-01T10:00:00Z\ngo      "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH+"\n")
	raw, err := exec.Command(binary, "version", "--json").Output()
	is.NoErr(err)
	var v map[string]any
	is.NoErr(json.Unmarshal(raw, &v))
	is.Equal(v["version"], "1.4.0")
	is.Equal(v["go"], runtime.Version())

	plain := filepath.Join(t.TempDir(), "payhook")
	out, err := exec.Command("go", "build", "-o", plain, ".").CombinedOutput()
	is.NoErr(err)
	is.Equal(string(out), "")
	text, err = exec.Command(plain, "version").Output() // a plain go build says what it knows
	is.NoErr(err)
	is.True(strings.HasPrefix(string(text), "payhook "))
	is.True(strings.Contains(string(text), "go      "+runtime.Version()))
}

// TestCompletion: a script for each shell, and the completions they ask
// payhook for: commands, a command's own flags, providers, event types.
func TestCompletion(t *testing.T) {
	for shell, marker := range map[string]string{
		"bash":       "complete -o default -F __start_payhook payhook",
		"zsh":        "#compdef payhook",
		"fish":       "complete -c payhook",
		"powershell": "Register-ArgumentCompleter -CommandName 'payhook'",
	} {
		t.Run(shell, func(t *testing.T) {
			is := is.New(t)
			stdout, stderr, code := payhook(t, "completion", shell)
			is.Equal(code, 0)
			is.Equal(stderr, "")
			is.True(strings.Contains(stdout, marker))
			if _, err := exec.LookPath(shell); err == nil && shell == "bash" {
				is.NoErr(exec.Command("bash", "-n", "-c", stdout).Run()) // it parses
			}
		})
	}
	is := is.New(t)
	_, stderr, code := payhook(t, "completion", "tcsh")
	is.Equal(code, 2)
	is.Equal(stderr, "payhook completion: \"tcsh\": name one shell: bash, zsh, fish or powershell\n")

	for args, want := range map[string][]string{
		"__complete ":                  {"demo", "serve", "send", "events", "payments", "redrive", "resend", "reconcile", "forward", "audit", "check", "backup", "restore", "bench", "smoke", "version", "completion"},
		"__complete send ":             {"stripe", "paypal", "square", "adyen", "paddle", "checkout", "gocardless", "standard"},
		"__complete events --status ":  {"RECEIVED", "PROCESSED", "FAILED", "RETRY"},
		"__complete payments --":       {"--data", "--json", "--region", "--table"},
		"__complete reconcile ":        {"stripe", "paypal", "square"},
		"__complete redrive ":          {"stripe", "paypal", "square", "adyen", "paddle", "checkout", "gocardless", "standard"},
		"__complete send stripe payme": {"payment_intent.succeeded"},
	} {
		stdout, _, code := payhook(t, strings.Split(args, " ")...)
		is.Equal(code, 0)
		var got []string
		for _, line := range strings.Split(stdout, "\n") {
			if line != "" && !strings.HasPrefix(line, ":") {
				got = append(got, strings.SplitN(line, "\t", 2)[0])
			}
		}
		for _, w := range want {
			if !strings.Contains(" "+strings.Join(got, " ")+" ", " "+w+" ") {
				t.Errorf("payhook %s: %q missing from %q", args, w, got)
			}
		}
		if strings.HasPrefix(args, "__complete payments") && strings.Contains(stdout, "--dlq-url") {
			t.Errorf("payments offers redrive's --dlq-url")
		}
	}
}
