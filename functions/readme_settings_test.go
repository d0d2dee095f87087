//go:build !sandbox

package functions_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/readme"
	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/stripe"
	"github.com/payhook/payhook/shared/samples"
)

// invalid is a value each setting refuses: a function that reads the
// setting must stop on it, naming the setting.
var invalid = map[string]string{
	"PAYHOOK_ADDR":                       "8080",
	"PAYHOOK_DATA_DIR":                   "",
	"PAYHOOK_MAX_BODY_BYTES":             "10",
	"PAYHOOK_TIMESTAMP_TOLERANCE":        "2h",
	"PAYHOOK_RETENTION":                  "1h",
	"PAYHOOK_STORE_TIMEOUT":              "1m",
	"PAYHOOK_PAYPAL_SANDBOX":             "maybe",
	"PAYHOOK_PAYPAL_TRANSMISSION_WINDOW": "10s",
	"PAYHOOK_LOG_LEVEL":                  "loud",
	"PAYHOOK_TABLE_NAME":                 "x",
	"PAYHOOK_SECRETS_ARN":                "whsec_leaked",
	"PAYHOOK_API_SECRETS_ARN":            "sk_live_leaked",
	"PAYHOOK_SECRETS_REFRESH":            "1s",
	"PAYHOOK_DLQ_URL":                    "whsec_leaked",
	"PAYHOOK_ALERT_TOPIC_ARN":            "whsec_leaked",
	"PAYHOOK_EVENT_BUS_NAME":             strings.Repeat("b", 257),
	"PAYHOOK_RECONCILE_WINDOW":           "1m",
	"PAYHOOK_PAYPAL_CONFIRM":             "maybe",
	"PAYHOOK_CHECKOUT_CONFIRM":           "maybe",
	"PAYHOOK_GOCARDLESS_AMOUNTS":         "maybe",
	"PAYHOOK_FORWARD_SECRETS":            "",
	"PAYHOOK_FORWARD_DESTINATIONS":       "[",
	"PAYHOOK_FORWARD_RETRY_WINDOW":       "720h",
	"PAYHOOK_METRICS_NAMESPACE":          "AWS/Lambda",
	"PAYHOOK_CRITICAL_EVENT_TYPES":       "dispute.opened,payment.lost",
}

// TestEachFunctionReadsTheSettingsTheREADMESays runs each function built
// with every setting of the README's configuration table: one the README
// says it reads stops it at start with one line naming the setting (never
// the value), proof that it reads and checks it; the others it never
// mentions, however wrong, proof that the README claims no more than it
// reads. (serve's side is cmd/payhook's TestServeTakesEachSettingTheREADMESays.)
func TestEachFunctionReadsTheSettingsTheREADMESays(t *testing.T) {
	rows, err := readme.Table("## Configuration", "variable")
	is.New(t).NoErr(err)
	const arn = "arn:aws:sns:ap-southeast-1:123456789012:payhook-alerts-dev"
	valid := map[string][]string{
		"receiver":   {"PAYHOOK_TABLE_NAME=payhook-dev", "PAYHOOK_SECRETS_ARN=" + arn},
		"processor":  {"PAYHOOK_TABLE_NAME=payhook-dev", "PAYHOOK_DLQ_URL=https://sqs.example/q", "PAYHOOK_ALERT_TOPIC_ARN=" + arn},
		"auditor":    {"PAYHOOK_ALERT_TOPIC_ARN=" + arn},
		"reconciler": {"PAYHOOK_TABLE_NAME=payhook-dev", "PAYHOOK_API_SECRETS_ARN=" + arn, "PAYHOOK_ALERT_TOPIC_ARN=" + arn},
		"forwarder":  {`PAYHOOK_FORWARD_DESTINATIONS=[]`},
	}
	for _, function := range functionNames(t) {
		t.Run(function, func(t *testing.T) {
			is := is.New(t)
			binary := bootstrap(t, function)
			run := func(env ...string) string {
				cmd := exec.Command(binary)
				// Offline: no credentials to look for, every AWS endpoint refuses at once.
				cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=/nonexistent", "AWS_REGION=ap-southeast-1", "AWS_ACCESS_KEY_ID=local",
					"AWS_SECRET_ACCESS_KEY=local", "AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL=http://127.0.0.1:1"}, valid[function]...)
				cmd.Env = append(cmd.Env, env...)
				out, err := cmd.CombinedOutput()
				is.True(err != nil) // outside Lambda, a function never runs on
				return strings.TrimSpace(string(out))
			}
			var others []string
			for _, row := range rows {
				name := row["variable"]
				value, ok := invalid[name]
				if !ok {
					t.Fatalf("%s: no invalid value to try (add one to invalid)", name)
				}
				readBy := strings.Split(strings.ReplaceAll(row["read by"], " ", ""), ",")
				if !slices.Contains(readBy, function) {
					others = append(others, name)
					continue
				}
				refused := run(name + "=" + value)
				is.Equal(strings.Count(refused, "\n"), 0) // one line
				if !strings.Contains(refused, name) {
					t.Errorf("the README says %s reads %s, but it started with %s=%q: %s", function, name, name, value, refused)
				}
				is.True(!strings.Contains(refused, "whsec_leaked"))
			}
			var env []string
			for _, name := range others {
				if invalid[name] != "" {
					env = append(env, name+"="+invalid[name])
				}
			}
			out := run(env...)
			for _, name := range others {
				if strings.Contains(out, name) {
					t.Errorf("the README does not say %s reads %s, but it does: %s", function, name, out)
				}
			}
		})
	}
}

// TestTheReceiverActsOnItsSettings runs the receiver under the runtime
// emulator with three of its settings and without: the body limit, the
// timestamp tolerance and the log level each change what it does. The
// level has a trailing space, as env files leave: the functions once read
// it raw, and logged at info, while the settings' check accepted it.
func TestTheReceiverActsOnItsSettings(t *testing.T) {
	is := is.New(t)
	const secretARN = "arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:payhook-test/providers"
	const stripeSecret = "whsec_settings_test"
	secrets := testenv.SecretsManager(t, secretARN, `{"PAYHOOK_STRIPE_SIGNING_SECRETS":"`+stripeSecret+`"}`)
	env := []string{"AWS_REGION=" + testenv.Region, "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_ENDPOINT_URL_SECRETS_MANAGER=" + secrets,
		"AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:1", "PAYHOOK_STORE_TIMEOUT=100ms", "PAYHOOK_TABLE_NAME=payhook-test", "PAYHOOK_SECRETS_ARN=" + secretARN}

	signedAgo := func(ago time.Duration) events.APIGatewayProxyRequest {
		body, id, err := samples.Build("stripe", "payment_intent.succeeded", provider.SampleOptions{})
		is.NoErr(err)
		signed, err := samples.Sign("stripe", body, provider.Keys{stripe.SigningSecrets: {stripeSecret}}, id, time.Now().Add(-ago))
		is.NoErr(err)
		return events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/webhook/stripe", PathParameters: map[string]string{"provider": "stripe"},
			Headers: map[string]string{"Stripe-Signature": signed.Header.Get("Stripe-Signature")}, Body: string(body)}
	}
	large := events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/webhook/stripe", PathParameters: map[string]string{"provider": "stripe"},
		Body: strings.Repeat(" ", 2000)}
	answers := func(settings ...string) (stale, oversized int, logs string) {
		receiver := testenv.RuntimeEmulator(t, bootstrap(t, "receiver"), append(env, settings...))
		defer receiver.Stop()
		var resp events.APIGatewayProxyResponse
		invoke(t, receiver.URL, signedAgo(30*time.Second), &resp)
		stale = resp.StatusCode
		invoke(t, receiver.URL, large, &resp)
		oversized = resp.StatusCode
		return stale, oversized, receiver.Output()
	}
	stale, oversized, logs := answers("PAYHOOK_MAX_BODY_BYTES=1024", "PAYHOOK_TIMESTAMP_TOLERANCE=1s", "PAYHOOK_LOG_LEVEL=error ")
	is.Equal(stale, 401)     // outside a 1s tolerance
	is.Equal(oversized, 413) // over 1024 bytes
	is.True(!strings.Contains(logs, `"message":"webhook"`))
	stale, oversized, logs = answers()
	is.Equal(stale, 503)     // within 5m, so on to the store, which is not there
	is.Equal(oversized, 400) // within 256 KiB; no signature
	is.True(strings.Contains(logs, `"message":"webhook"`))
}
