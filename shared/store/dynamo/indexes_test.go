//go:build !sandbox

// Excluded from Nix's sandbox: the flake's source holds the Go tree only, not
// tofu/.

package dynamo_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/store/dynamo"
)

// The deployed indexes hold the attributes the query decodes: one left out
// in OpenTofu would list every webhook without it on AWS alone, since the
// tests' tables are made by CreateTable.
func TestDeployedIndexesHoldWhatTheQueryReads(t *testing.T) {
	is := is.New(t)
	table, err := os.ReadFile("../../../tofu/modules/webhook-pipeline/dynamodb.tf")
	is.NoErr(err)
	list := regexp.MustCompile(`indexed_attributes = \[([^\]]*)\]`).FindSubmatch(table)
	is.True(list != nil)
	var deployed []string
	for _, name := range strings.Split(string(list[1]), ",") {
		deployed = append(deployed, strings.Trim(strings.TrimSpace(name), `"`))
	}
	is.Equal(deployed, dynamo.IndexedAttributes)
	for _, index := range []string{dynamo.IndexByStatus, dynamo.IndexByPayment} {
		is.True(strings.Contains(string(table), `"`+index+`"`)) // the names the query asks for
	}
}
