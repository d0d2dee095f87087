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
