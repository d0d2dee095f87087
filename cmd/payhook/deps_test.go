//go:build !sandbox

package main_test

import (
	"debug/buildinfo"
	"testing"

	"github.com/matryer/is"
)

// TestCLILinksNoTracing keeps tracing in the Lambdas: the X-Ray SDK would
// bring the v1 AWS SDK, gRPC and fasthttp into the CLI, which then took
// minutes longer to compile on a newcomer's first go run (docs/benchmarks.md).
func TestCLILinksNoTracing(t *testing.T) {
	is := is.New(t)
	info, err := buildinfo.ReadFile(binary)
	is.NoErr(err)
	heavy := map[string]bool{
		"github.com/aws/aws-xray-sdk-go": true,
		"github.com/aws/aws-sdk-go":      true,
		"google.golang.org/grpc":         true,
		"github.com/valyala/fasthttp":    true,
	}
	for _, dep := range info.Deps {
		if heavy[dep.Path] {
			t.Errorf("payhook links %s: keep tracing in shared/observe/tracing, which only functions/* import", dep.Path)
		}
	}
}
