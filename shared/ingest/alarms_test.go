//go:build !sandbox

// Excluded from Nix's sandbox: the flake's source holds the Go tree only, not
// tofu/.

package ingest_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/ingest"
)

// The deployed alarms count the receiver's logged outcomes by name: an
// outcome renamed in Go but not in OpenTofu would silence its alarm.
func TestAlarmsCountOutcomesTheReceiverLogs(t *testing.T) {
	is := is.New(t)
	alarms, err := os.ReadFile("../../tofu/modules/webhook-pipeline/alarms.tf")
	is.NoErr(err)
	logged := map[string]bool{}
	for _, o := range []string{
		ingest.OutcomeAccepted, ingest.OutcomeDuplicate, ingest.OutcomeUnknownProvider, ingest.OutcomeMethodNotAllowed,
		ingest.OutcomePayloadTooLarge, ingest.OutcomeMissingSignature, ingest.OutcomeInvalidSignature,
		ingest.OutcomeTimestampStale, ingest.OutcomeMalformedPayload, ingest.OutcomeUnavailable, ingest.OutcomeUnstorable,
	} {
		logged[o] = true
	}
	counted := regexp.MustCompile(`\$\.outcome = \\"([a-z_]+)\\"`).FindAllStringSubmatch(string(alarms), -1)
	is.True(len(counted) >= 3) // invalid_signature, timestamp_out_of_tolerance, unstorable
	for _, m := range counted {
		if !logged[m[1]] {
			t.Errorf("alarms.tf counts outcome %q, which the receiver never logs", m[1])
		}
	}
}

// metricFilters reads alarms.tf's log metric filters: the outcomes each
// one counts, by resource name.
func metricFilters(t *testing.T) map[string][]string {
	t.Helper()
	alarms, err := os.ReadFile("../../tofu/modules/webhook-pipeline/alarms.tf")
	if err != nil {
		t.Fatal(err)
	}
	filters := map[string][]string{}
	blocks := regexp.MustCompile(`(?s)resource "aws_cloudwatch_log_metric_filter" "([a-z_]+)" \{.*?\n  pattern\s+= "([^\n]*)"\n`)
	outcome := regexp.MustCompile(`\$\.outcome = \\"([a-z_]+)\\"`)
	for _, b := range blocks.FindAllStringSubmatch(string(alarms), -1) {
		for _, o := range outcome.FindAllStringSubmatch(b[2], -1) {
			filters[b[1]] = append(filters[b[1]], o[1])
		}
	}
	return filters
}

// The forgery alarm ("forgeries, or a secret rotated") counts signatures
// that do not verify, and nothing else. A genuine signature that is only
// stale (Paddle's retries after an outage keep their first signature; a
// replay; a clock off) is counted apart, by its own filter: the verifier
// checks the signature before the time, so a stale delivery was signed by
// the provider.
func TestTheForgeryAlarmCountsForgeriesAlone(t *testing.T) {
	is := is.New(t)
	filters := metricFilters(t)
	is.Equal(filters["rejected_signatures"], []string{ingest.OutcomeInvalidSignature})
	is.Equal(filters["stale_signatures"], []string{ingest.OutcomeTimestampStale})
}
