//go:build !sandbox

// Package functions_test checks the Lambda entry points as built binaries.
package functions_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/matryer/is"
)

// TestBadSettingStopsWithOneLine starts each built function with a bad
// setting: it must exit non-zero with one log line naming the variable,
// and never echo the value.
func TestBadSettingStopsWithOneLine(t *testing.T) {
	const arn = "arn:aws:sns:ap-southeast-1:123456789012:payhook-alerts-dev"
	cases := map[string]map[string][]string{
		"receiver": {
			"PAYHOOK_MAX_BODY_BYTES: not a whole number": {"PAYHOOK_MAX_BODY_BYTES=lots"},
			"PAYHOOK_TABLE_NAME: required":               {},
			"PAYHOOK_SECRETS_ARN: must start with arn:":  {"PAYHOOK_TABLE_NAME=payhook-dev", "PAYHOOK_SECRETS_ARN=whsec_leaked"},
		},
		"processor": {
			"PAYHOOK_TABLE_NAME: required":                  {},
			"PAYHOOK_DLQ_URL: must be a URL":                {"PAYHOOK_TABLE_NAME=payhook-dev", "PAYHOOK_DLQ_URL=whsec_leaked", "PAYHOOK_ALERT_TOPIC_ARN=" + arn},
			"is not a canonical event type":                 {"PAYHOOK_TABLE_NAME=payhook-dev", "PAYHOOK_DLQ_URL=https://sqs.example/q", "PAYHOOK_ALERT_TOPIC_ARN=" + arn, "PAYHOOK_CRITICAL_EVENT_TYPES=dispute.opened,payment.lost"},
			"PAYHOOK_ALERT_TOPIC_ARN: must start with arn:": {"PAYHOOK_TABLE_NAME=payhook-dev", "PAYHOOK_DLQ_URL=https://sqs.example/q", "PAYHOOK_ALERT_TOPIC_ARN=whsec_leaked"},
			"PAYHOOK_API_SECRETS_ARN: must start with arn:": {"PAYHOOK_TABLE_NAME=payhook-dev", "PAYHOOK_DLQ_URL=https://sqs.example/q", "PAYHOOK_ALERT_TOPIC_ARN=" + arn, "PAYHOOK_API_SECRETS_ARN=whsec_leaked"},
		},
		"reconciler": {
			"PAYHOOK_TABLE_NAME: required":                  {},
			"PAYHOOK_API_SECRETS_ARN: required":             {"PAYHOOK_TABLE_NAME=payhook-dev", "PAYHOOK_SECRETS_ARN=" + arn, "PAYHOOK_ALERT_TOPIC_ARN=" + arn},
			"PAYHOOK_API_SECRETS_ARN: must start with arn:": {"PAYHOOK_TABLE_NAME=payhook-dev", "PAYHOOK_API_SECRETS_ARN=whsec_leaked", "PAYHOOK_ALERT_TOPIC_ARN=" + arn},
			"PAYHOOK_RECONCILE_WINDOW: must be at least":    {"PAYHOOK_TABLE_NAME=payhook-dev", "PAYHOOK_API_SECRETS_ARN=" + arn, "PAYHOOK_ALERT_TOPIC_ARN=" + arn, "PAYHOOK_RECONCILE_WINDOW=1m"},
		},
		"forwarder": {
			"PAYHOOK_FORWARD_DESTINATIONS: required":                 {},
			"PAYHOOK_FORWARD_RETRY_WINDOW: must be at most 168h":     {"PAYHOOK_FORWARD_DESTINATIONS=[]", "PAYHOOK_FORWARD_RETRY_WINDOW=720h"},
			`PAYHOOK_FORWARD_DESTINATIONS: destination 1 \"ledger\"`: {`PAYHOOK_FORWARD_DESTINATIONS=[{"name":"ledger","url":"https://whsec_leaked@ledger.example.com/"}]`},
		},
		"auditor": {
			"PAYHOOK_ALERT_TOPIC_ARN: required": {},
			"PAYHOOK_LOG_LEVEL: must be one of": {"PAYHOOK_ALERT_TOPIC_ARN=" + arn, "PAYHOOK_LOG_LEVEL=whsec_leaked"},
		},
	}
	for function, settings := range cases {
		t.Run(function, func(t *testing.T) {
			is := is.New(t)
			for want, env := range settings {
				cmd := exec.Command(bootstrap(t, function))
				cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=/nonexistent"}, env...)
				out, err := cmd.CombinedOutput()
				is.True(err != nil) // exits non-zero
				lines := strings.Split(strings.TrimSpace(string(out)), "\n")
				is.Equal(len(lines), 1)
				is.True(strings.Contains(lines[0], want))
				is.True(!strings.Contains(lines[0], "whsec_leaked"))
			}
		})
	}
}
