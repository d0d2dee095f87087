package main

import (
	"cmp"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set at link time by releases (.goreleaser.yaml):
// -X main.version=1.2.3 -X main.commit=<sha> -X main.date=<RFC 3339>.
var (
	version string
	commit  string
	date    string
)

// buildVersion is what this binary knows of its build.
type buildVersion struct {
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Date     string `json:"date,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

// currentVersion is this binary's buildVersion.
func currentVersion() buildVersion {
	info, _ := debug.ReadBuildInfo() // nil without module support: the release's values alone
	return versionOf(version, commit, date, info)
}

// versionOf takes a release's values, and where a build set none (go
// build, go install), Go's own record: the module version go install
// resolved, and the commit and its time from the checkout.
func versionOf(version, commit, date string, info *debug.BuildInfo) buildVersion {
	v := buildVersion{Version: version, Commit: commit, Date: date, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if info != nil && info.Main.Version != "(devel)" {
		v.Version = cmp.Or(v.Version, info.Main.Version)
	}
	v.Version = cmp.Or(v.Version, "dev")
	if info == nil || v.Commit != "" {
		return v
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.Date = cmp.Or(v.Date, s.Value)
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

func newVersionCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version [--json]",
		Short: "print payhook's version, commit, build date and Go version",
		Args:  noArgs,
	}
	asJSON := cmd.Flags().Bool("json", false, "print JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		stdout := cmd.OutOrStdout()
		v := currentVersion()
		if *asJSON {
			return printJSON(stdout, v)
		}
		commit := cmp.Or(v.Commit, "unknown (the build recorded none)")
		if v.Modified {
			commit += " with uncommitted changes"
		}
		fmt.Fprintf(stdout, "payhook %s\ncommit  %s\nbuilt   %s\ngo      %s %s\n", v.Version, commit, cmp.Or(v.Date, "unknown"), v.Go, v.Platform)
		return nil
	}
	return cmd
}
