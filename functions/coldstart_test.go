//go:build !sandbox

package functions_test

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
)

// TestColdStart measures each function's init under the Runtime Interface
// Emulator against a hello-world aws-lambda-go function built the same way
// (lambdabuild.BuildForTests), in the same run on the same machine: every
// round starts each binary cold once, in an order that rotates from round
// to round, and the table gives the median init of each and its ratio to hello-world's. The
// init is the emulator's INIT REPORT: from starting the bootstrap to its
// first request for an event. It asserts nothing about time; it prints
// what docs/benchmarks.md records:
//
//	go test -count=1 -v -run TestColdStart ./functions/
//
// PAYHOOK_COLDSTART_ROUNDS sets the number of rounds (10).
func TestColdStart(t *testing.T) {
	is := is.New(t)
	rounds := 10
	if s := os.Getenv("PAYHOOK_COLDSTART_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		is.NoErr(err)
		rounds = n
	}
	names := append([]string{"hello", "hello+sdk"}, functionNames(t)...)

	// Everything init reads is here, so no init waits on a network: the
	// provider secrets (the receiver reads the webhook keys at init, the
	// reconciler the API credentials), a region and static credentials.
	// The invocations reach no store: an unsigned delivery, empty stream
	// batches, and a reconciler whose secret holds no API credentials.
	const (
		secretARN    = "arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:payhook-test/providers"
		apiSecretARN = "arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:payhook-test/provider-apis"
	)
	secretsEndpoint := testenv.SecretsManagerOf(t, map[string]string{secretARN: `{"PAYHOOK_STRIPE_SIGNING_SECRETS":"whsec_coldstart"}`, apiSecretARN: `{}`})
	unreachable := "http://127.0.0.1:9" // discard: nothing here is called
	env := []string{
		"AWS_REGION=" + testenv.Region, "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER=" + secretsEndpoint, "AWS_ENDPOINT_URL_DYNAMODB=" + unreachable,
		"AWS_ENDPOINT_URL_SQS=" + unreachable, "AWS_ENDPOINT_URL_SNS=" + unreachable,
		"PAYHOOK_TABLE_NAME=coldstart", "PAYHOOK_ALERT_TOPIC_ARN=arn:aws:sns:ap-southeast-1:111122223333:coldstart",
		"PAYHOOK_DLQ_URL=" + unreachable + "/111122223333/coldstart", "PAYHOOK_SECRETS_ARN=" + secretARN, "PAYHOOK_API_SECRETS_ARN=" + apiSecretARN,
		// The forwarder reads its destination's secret at its first message,
		// not at init: one destination, and an empty batch.
		`PAYHOOK_FORWARD_DESTINATIONS=[{"name":"app","url":"https://app.example/payhook","queue_arn":"arn:aws:sqs:ap-southeast-1:111122223333:coldstart",` +
			`"queue_url":"` + unreachable + `/111122223333/coldstart","dead_letter_queue_url":"` + unreachable + `/111122223333/coldstart-dlq","secret_arn":"` + secretARN + `"}]`,
	}
	events := map[string]any{
		"receiver": events.APIGatewayProxyRequest{
			HTTPMethod: "POST", Path: "/webhook/stripe", PathParameters: map[string]string{"provider": "stripe"},
			Headers: map[string]string{"Content-Type": "application/json"}, Body: `{}`,
		},
		"processor": events.DynamoDBEvent{},
		"auditor":   events.DynamoDBEvent{},
		"forwarder": events.SQSEvent{},
	}

	inits := map[string][]float64{}
	for round := range rounds {
		for i := range names {
			name := names[(round+i)%len(names)]
			emulator := testenv.RuntimeEmulator(t, bootstrap(t, name), env)
			event, ok := events[name]
			if !ok {
				event = map[string]any{}
			}
			var answer json.RawMessage
			invoke(t, emulator.URL, event, &answer)
			emulator.Stop()
			initMs, _ := emulator.Reports()
			is.True(initMs > 0)                                     // the emulator reported the init
			is.True(!strings.Contains(string(answer), "errorType")) // and the function came up
			inits[name] = append(inits[name], initMs)
		}
	}

	median := func(xs []float64) float64 {
		xs = slices.Clone(xs)
		slices.Sort(xs)
		if len(xs)%2 == 0 {
			return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
		}
		return xs[len(xs)/2]
	}
	hello, sdk := median(inits["hello"]), median(inits["hello+sdk"])
	var table strings.Builder
	fmt.Fprintf(&table, "cold init under the emulator, %d rounds, %s/%s\n", rounds, runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&table, "| binary | size | init, median | min – max | vs hello | vs hello+sdk |\n|---|---|---|---|---|---|\n")
	for _, name := range names {
		info, err := os.Stat(bootstrap(t, name))
		is.NoErr(err)
		xs := inits[name]
		fmt.Fprintf(&table, "| %s | %.1f MB | %.1f ms | %.1f – %.1f ms | %.2f× | %.2f× |\n",
			name, float64(info.Size())/(1<<20), median(xs), slices.Min(xs), slices.Max(xs), median(xs)/hello, median(xs)/sdk)
	}
	t.Log("\n" + table.String())
}
