//go:build !sandbox

// Excluded from Nix's sandbox: the flake's source holds the Go tree only, not
// tofu/.

package emf_test

import (
	"os"
	"strings"
	"testing"

	"github.com/payhook/payhook/shared/metrics/emf"
)

// The dashboard names the metrics and dimensions the functions write: one
// renamed in Go but not in OpenTofu would leave its graph empty.
func TestTheDashboardDrawsTheMetricsTheFunctionsWrite(t *testing.T) {
	dashboard, err := os.ReadFile("../../../tofu/modules/webhook-pipeline/dashboard.tf")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		`MetricName=\"` + emf.Deliveries + `\"`, `"` + emf.ReceiverDuration + `"`, `MetricName=\"` + emf.Processed + `\"`, `"` + emf.Failed + `"`,
		emf.Function + "," + emf.Outcome, `"` + emf.Function + `", "receiver"`, `"` + emf.Function + `", "processor"`,
	} {
		if !strings.Contains(string(dashboard), name) {
			t.Errorf("dashboard.tf does not draw %s", name)
		}
	}
	functions, err := os.ReadFile("../../../tofu/modules/webhook-pipeline/functions.tf")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(functions), "PAYHOOK_METRICS_NAMESPACE = local.metric_namespace"); n != 3 {
		t.Errorf("functions.tf sets the receiver's, processor's and forwarder's metric namespace %d times, want 3", n)
	}
}
