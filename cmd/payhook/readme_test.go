//go:build !sandbox

// The README is read from the repository, outside Nix's source set.

package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/readme"
	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/provider/registry"
)

// TestREADMEConfigurationIsEverySetting: the configuration table lists
// each setting config declares, once, with its default.
func TestREADMEConfigurationIsEverySetting(t *testing.T) {
	is := is.New(t)
	rows, err := readme.Table("## Configuration", "variable")
	is.NoErr(err)
	var documented []string
	for _, row := range rows {
		name := row["variable"]
		documented = append(documented, name)
		if def := config.Default(name); def != "" && row["default"] != def {
			t.Errorf("README: %s's default is %q; config's is %q", name, row["default"], def)
		}
		if row["read by"] == "" {
			t.Errorf("README: %s says nothing under read by", name)
		}
	}
	slices.Sort(documented)
	is.Equal(documented, config.Names())
}

// TestREADMEListsEveryCommandAndFunction: the Status and Layout tables name
// every command and every Lambda.
func TestREADMEListsEveryCommandAndFunction(t *testing.T) {
	is := is.New(t)
	var commands []string
	for _, c := range newRootCommand().Commands() {
		commands = append(commands, c.Name())
	}
	is.True(len(commands) > 10)
	entries, err := os.ReadDir("../../functions")
	is.NoErr(err)
	var functions []string
	for _, e := range entries {
		if e.IsDir() {
			functions = append(functions, e.Name())
		}
	}
	is.True(len(functions) >= 5)

	status, err := readme.Table("## Status", "part")
	is.NoErr(err)
	layout, err := readme.Table("## Layout", "path")
	is.NoErr(err)
	row := func(rows []map[string]string, column, prefix string) string {
		for _, row := range rows {
			if strings.HasPrefix(row[column], prefix) {
				return row[column] + " " + row["what"]
			}
		}
		t.Fatalf("README: no %s row starting %q", column, prefix)
		return ""
	}
	words := func(s string) string { return " " + strings.NewReplacer(",", " ", ":", " ").Replace(s) + " " }
	statusCLI, layoutCLI := words(row(status, "part", "payhook CLI")), words(row(layout, "path", "cmd/payhook"))
	for _, c := range commands {
		if !strings.Contains(statusCLI, " "+c+" ") {
			t.Errorf("README's Status does not list the command %s", c)
		}
		if !strings.Contains(layoutCLI, " "+c+" ") {
			t.Errorf("README's Layout does not list the command %s", c)
		}
	}
	var statusText strings.Builder
	for _, row := range status {
		statusText.WriteString(row["state"] + "\n")
	}
	layoutFunctions := row(layout, "path", "functions/{")
	for _, f := range functions {
		if !strings.Contains(statusText.String(), "functions/"+f) {
			t.Errorf("README's Status does not list the function %s", f)
		}
		if !regexp.MustCompile(`[{,]` + f + `[,}]`).MatchString(layoutFunctions) {
			t.Errorf("README's Layout does not list the function %s", f)
		}
	}
}

// TestFuzzCommandsNameTargetsThatExist: every go test -fuzz command, and
// every .ci/fuzz command that names one target, in the README and
// docs/benchmarks.md names a target in the package it names, so that it
// runs as written; and every provider has the two targets the README says
// each has.
func TestFuzzCommandsNameTargetsThatExist(t *testing.T) {
	is := is.New(t)
	targets := func(dir string) []string {
		var found []string
		files, err := filepath.Glob(filepath.Join("../..", dir, "*_test.go"))
		is.NoErr(err)
		for _, f := range files {
			raw, err := os.ReadFile(f)
			is.NoErr(err)
			for _, m := range regexp.MustCompile(`(?m)^func (Fuzz\w+)\(`).FindAllStringSubmatch(string(raw), -1) {
				found = append(found, m[1])
			}
		}
		return found
	}
	command := regexp.MustCompile(`(?:go test [^#\n]*-fuzz '\^(Fuzz\w+)\$'[^#\n]*|\.ci/fuzz \S+ (Fuzz\w+)) \./([\w/]+)`)
	commands := 0
	for _, doc := range []string{readme.Path(), "../../docs/benchmarks.md"} {
		raw, err := os.ReadFile(doc)
		is.NoErr(err)
		for _, m := range command.FindAllStringSubmatch(string(raw), -1) {
			commands++
			name, dir := m[1]+m[2], m[3] // one of the two names is empty
			if !slices.Contains(targets(dir), name) {
				t.Errorf("%s: %s names %s, which ./%s does not have", filepath.Base(doc), strings.TrimSpace(m[0]), name, dir)
			}
		}
	}
	is.True(commands >= 4)
	for _, p := range registry.All {
		have := targets("shared/provider/" + p.Name)
		is.True(slices.Contains(have, "FuzzVerify"))
		is.True(slices.Contains(have, "FuzzNormalize"))
	}
}
