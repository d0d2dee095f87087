//go:build !sandbox

package main_test

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/matryer/is"
)

// TestVersionOfARelease builds payhook as .goreleaser.yaml does, with the
// release's values linked in, and reads them back.
func TestVersionOfARelease(t *testing.T) {
	is := is.New(t)
	release := filepath.Join(t.TempDir(), "payhook")
	ldflags := "-X main.version=1.4.0 -X main.commit=9f2c1e0d -X main.date=2026-12-01T10:00:00Z"
	out, err := exec.Command("go", "build", "-ldflags", ldflags, "-o", release, ".").CombinedOutput()
	is.NoErr(err)
	is.Equal(string(out), "")

	text, err := exec.Command(release, "version").Output()
	is.NoErr(err)
	is.Equal(string(text), "payhook 1.4.0\ncommit  9f2c1e0d\nbuilt   2026-12-01T10:00:00Z\ngo      "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH+"\n")
	raw, err := exec.Command(release, "version", "--json").Output()
	is.NoErr(err)
	var v map[string]any
	is.NoErr(json.Unmarshal(raw, &v))
	is.Equal(v["version"], "1.4.0")
	is.Equal(v["go"], runtime.Version())

	stdout, _, code := payhook(t, "version") // a plain go build says what it knows
	is.Equal(code, 0)
	is.True(strings.HasPrefix(stdout, "payhook "))
	is.True(strings.Contains(stdout, "go      "+runtime.Version()))
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
