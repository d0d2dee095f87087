package main

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/matryer/is"
)

func TestVersionTakesTheReleaseValuesElseGoBuildRecord(t *testing.T) {
	checkout := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "9f2c1e0"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	installed := &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}
	for name, c := range map[string]struct {
		version, commit, date string
		info                  *debug.BuildInfo
		want                  buildVersion
	}{
		"a release (-X main.version=...)": {"1.4.0", "abc1234", "2026-12-02T00:00:00Z", checkout,
			buildVersion{Version: "1.4.0", Commit: "abc1234", Date: "2026-12-02T00:00:00Z"}},
		"go build in a checkout": {"", "", "", checkout,
			buildVersion{Version: "dev", Commit: "9f2c1e0", Date: "2026-12-01T10:00:00Z", Modified: true}},
		"go install module@v1.4.0": {"", "", "", installed, buildVersion{Version: "v1.4.0"}},
		"no build record":          {"", "", "", nil, buildVersion{Version: "dev"}},
	} {
		t.Run(name, func(t *testing.T) {
			c.want.Go, c.want.Platform = runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH
			is.New(t).Equal(versionOf(c.version, c.commit, c.date, c.info), c.want)
		})
	}
}
