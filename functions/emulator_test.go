//go:build !sandbox

package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/lambdabuild"
	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/stripe"
	"github.com/payhook/payhook/shared/reconcile"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/dynamo"
)

// TestFunctionsUnderTheRuntimeEmulator runs the built Lambda binaries (the
// zips' tags and linker flags, for this machine, since the emulator runs
// them here) under AWS's Runtime Interface Emulator: the receiver with API
// Gateway proxy events against DynamoDB Local and a Secrets Manager
// stand-in, the processor and auditor with DynamoDB stream events, SNS and
// SQS on goaws, the reconciler with a scheduled invocation against
// stripe-mock, and the forwarder with batches from its destinations' queues
// (forwarderUnderTheEmulator). It logs cold and warm invocation times;
// docs/benchmarks.md records them. The zips as deployed (linux/arm64,
// each within its budget) are checked by `go run ./tools/buildlambdas
// -check`, which .ci/run runs, not here: cross-compiling every function is
// minutes on a fresh machine, for no behaviour of its own.
func TestFunctionsUnderTheRuntimeEmulator(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	client := testenv.DynamoDB(t)
	table := testenv.UniqueName(t)
	is.NoErr(dynamo.CreateTable(ctx, client, table))
	tableStore := dynamo.New(client, table)
	// The two secrets the pipeline makes: the webhook keys, the receiver's,
	// and the API credentials, the reconciler's.
	const (
		secretARN    = "arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:payhook-test/providers"
		apiSecretARN = "arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:payhook-test/provider-apis"
	)
	stripeSecret := "whsec_emulator_test"
	stripeAPI := testenv.StripeMock(t)
	secretsEndpoint := testenv.SecretsManagerOf(t, map[string]string{
		secretARN:    `{"PAYHOOK_STRIPE_SIGNING_SECRETS":"` + stripeSecret + `"}`,
		apiSecretARN: `{"PAYHOOK_STRIPE_API_KEY":"sk_test_123","PAYHOOK_STRIPE_API_URL":"` + stripeAPI + `"}`,
	})
	snsClient, sqsClient := testenv.SNS(t), testenv.SQS(t)
	topic, err := snsClient.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(table + "-alerts")})
	is.NoErr(err)
	alerts := subscribedQueue(t, snsClient, sqsClient, aws.ToString(topic.TopicArn), table+"-pager")
	dlq, err := sqsClient.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(table + "-dlq")})
	is.NoErr(err)

	common := []string{
		"AWS_REGION=" + testenv.Region, "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"AWS_ENDPOINT_URL_DYNAMODB=" + testenv.DynamoDBEndpoint(t), "AWS_ENDPOINT_URL_SECRETS_MANAGER=" + secretsEndpoint,
		"AWS_ENDPOINT_URL_SQS=" + testenv.SQSEndpoint(t), "AWS_ENDPOINT_URL_SNS=" + testenv.GoawsEndpoint(t),
		"PAYHOOK_TABLE_NAME=" + table, "PAYHOOK_ALERT_TOPIC_ARN=" + aws.ToString(topic.TopicArn),
	}

	// The receiver: a signed Stripe delivery through an API Gateway event.
	receiver := testenv.RuntimeEmulator(t, bootstrap(t, "receiver"), append(common, "PAYHOOK_SECRETS_ARN="+secretARN, "PAYHOOK_METRICS_NAMESPACE=payhook/test", "PAYHOOK_STORE_TIMEOUT="+testenv.StoreTimeout.String()))
	delivery := func(eventID string) events.APIGatewayProxyRequest {
		body, id, err := samples.Build("stripe", "payment_intent.succeeded", provider.SampleOptions{EventID: eventID, PaymentID: "pi_" + eventID})
		is.NoErr(err)
		signed, err := samples.Sign("stripe", body, provider.Keys{stripe.SigningSecrets: {stripeSecret}}, id, time.Now())
		is.NoErr(err)
		header := signed.Header
		return events.APIGatewayProxyRequest{
			HTTPMethod: "POST", Path: "/webhook/stripe", PathParameters: map[string]string{"provider": "stripe"},
			Headers: map[string]string{"Stripe-Signature": header.Get("Stripe-Signature"), "Content-Type": "application/json"},
			Body:    string(body), RequestContext: events.APIGatewayProxyRequestContext{RequestID: "req-" + eventID, Identity: events.APIGatewayRequestIdentity{SourceIP: "203.0.113.5"}},
		}
	}
	var resp events.APIGatewayProxyResponse
	invoke(t, receiver.URL, delivery("evt_rie_0"), &resp)
	is.Equal(resp.StatusCode, 200)
	is.Equal(resp.Body, `{"status":"accepted","id":"evt_rie_0"}`)
	for i := 1; i <= 20; i++ {
		invoke(t, receiver.URL, delivery("evt_rie_"+string(rune('a'+i))), &resp)
		is.Equal(resp.StatusCode, 200)
	}
	invoke(t, receiver.URL, delivery("evt_rie_0"), &resp)
	is.Equal(resp.Body, `{"status":"duplicate","id":"evt_rie_0"}`)
	logReports(t, "receiver", receiver)
	// The emulator passes on what the function prints as it comes: the
	// last lines may follow the answer. The duplicate's line is the last.
	waitMetricLines(t, receiver, "payhook/test", "Deliveries", "Outcome", "duplicate", 1)
	is.Equal(metricLines(t, receiver, "payhook/test", "Deliveries", "Outcome", "accepted"), 21)

	// The processor: the stream record of that webhook.
	stored, err := tableStore.GetWebhook(ctx, "stripe", "evt_rie_0")
	is.NoErr(err)
	item, err := store.WebhookItem(stored)
	is.NoErr(err)
	record := events.DynamoDBEventRecord{EventName: "INSERT", EventSource: "aws:dynamodb", Change: events.DynamoDBStreamRecord{
		Keys: store.Item{"pk": item["pk"], "sk": item["sk"]}, NewImage: item, SequenceNumber: "100", StreamViewType: "NEW_AND_OLD_IMAGES",
	}}
	processor := testenv.RuntimeEmulator(t, bootstrap(t, "processor"), append(common, "PAYHOOK_DLQ_URL="+aws.ToString(dlq.QueueUrl)))
	var batch events.DynamoDBEventResponse
	invoke(t, processor.URL, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{record}}, &batch)
	is.Equal(len(batch.BatchItemFailures), 0)
	processed, err := tableStore.GetWebhook(ctx, "stripe", "evt_rie_0")
	is.NoErr(err)
	is.Equal(processed.Status, store.StatusProcessed)
	state, err := tableStore.GetPayment(ctx, "stripe", "pi_evt_rie_0")
	is.NoErr(err)
	is.Equal(state.Status, payment.StatusSucceeded)
	invoke(t, processor.URL, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{record}}, &batch) // a redelivery: applied once
	is.Equal(len(batch.BatchItemFailures), 0)
	state, _ = tableStore.GetPayment(ctx, "stripe", "pi_evt_rie_0")
	is.Equal(state.Version, int64(1))
	logReports(t, "processor", processor)
	waitMetricLines(t, processor, "payhook", "Processed", "Outcome", "applied", 1)       // the default namespace
	is.Equal(metricLines(t, processor, "payhook", "Processed", "Outcome", "applied"), 1) // the redelivery is not counted

	// The auditor: a transition to FAILED raises an alert on SNS.
	failedItem, err := store.WebhookItem(store.FailedWebhook(stored, "amount is not a USD decimal", time.Now()))
	is.NoErr(err)
	auditor := testenv.RuntimeEmulator(t, bootstrap(t, "auditor"), common)
	invoke(t, auditor.URL, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{{EventName: "MODIFY", Change: events.DynamoDBStreamRecord{
		Keys: store.Item{"pk": item["pk"], "sk": item["sk"]}, OldImage: item, NewImage: failedItem, SequenceNumber: "101",
	}}}}, &batch)
	is.Equal(len(batch.BatchItemFailures), 0)
	messages, err := sqsClient.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(alerts), MaxNumberOfMessages: 10})
	is.NoErr(err)
	is.Equal(len(messages.Messages), 1)
	is.True(bytes.Contains([]byte(aws.ToString(messages.Messages[0].Body)), []byte("webhook_failed")))
	logReports(t, "auditor", auditor)

	// The reconciler: a scheduled run stores the event stripe-mock lists
	// (its one fixture, whatever the window), a plan.created: about no
	// payment, so no alarm; the next run finds it stored.
	reconciler := testenv.RuntimeEmulator(t, bootstrap(t, "reconciler"), append(common, "PAYHOOK_API_SECRETS_ARN="+apiSecretARN))
	var reports []reconcile.Report
	invoke(t, reconciler.URL, map[string]any{}, &reports)
	is.Equal(len(reports), 1)
	is.Equal(reports[0].Provider, "stripe")
	is.Equal(reports[0].Recovered, 1)
	is.Equal(reports[0].RecoveredPayments, 0)
	recovered, err := tableStore.GetWebhook(ctx, "stripe", reports[0].RecoveredIDs[0])
	is.NoErr(err)
	is.Equal(recovered.Source, store.SourceReconcile)
	is.Equal(recovered.Status, store.StatusReceived) // the stream takes it to the processor
	checkpoint, err := tableStore.Checkpoint(ctx, "stripe")
	is.NoErr(err)
	is.True(time.Since(checkpoint.Through) < 10*time.Minute)
	invoke(t, reconciler.URL, map[string]any{}, &reports)
	is.Equal(reports[0].Recovered, 0)
	is.Equal(reports[0].AlreadyStored, 1)
	messages, err = sqsClient.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(alerts), MaxNumberOfMessages: 10})
	is.NoErr(err)
	for _, m := range messages.Messages {
		is.True(!bytes.Contains([]byte(aws.ToString(m.Body)), []byte(reconcile.AlertEventsRecovered))) // no payment was missed
	}
	logReports(t, "reconciler", reconciler)

	forwarderUnderTheEmulator(t, bootstrap(t, "forwarder"))

}

// logReports logs what the emulator reported: init, first and warm
// invocation durations (warm: the median after the first).
func logReports(t *testing.T, name string, e *testenv.Emulator) {
	initMs, invokes := e.Reports()
	if len(invokes) == 0 {
		t.Errorf("%s: the emulator reported no invocation", name)
		return
	}
	warm := 0.0
	if len(invokes) > 1 {
		rest := slices.Clone(invokes[1:])
		slices.Sort(rest)
		warm = rest[len(rest)/2]
	}
	t.Logf("%s: init %.1f ms, first invocation %.1f ms, warm invocation p50 %.1f ms (%d invocations)", name, initMs, invokes[0], warm, len(invokes))
}

// waitMetricLines waits until the function has printed n metric lines as
// metricLines counts them.
func waitMetricLines(t *testing.T, e *testenv.Emulator, namespace, metric, dimension, value string, n int) {
	t.Helper()
	what := fmt.Sprintf("%d %s/%s lines with %s=%s", n, namespace, metric, dimension, value)
	wait.Until(t, time.Minute, what, func() bool { return metricLines(t, e, namespace, metric, dimension, value) >= n })
}

// metricLines counts the function's CloudWatch Embedded Metric Format lines
// of metric in namespace whose dimension is value.
func metricLines(t *testing.T, e *testenv.Emulator, namespace, metric, dimension, value string) int {
	t.Helper()
	n := 0
	for _, line := range strings.Split(e.Output(), "\n") {
		var doc struct {
			AWS struct {
				CloudWatchMetrics []struct {
					Namespace string
					Metrics   []struct{ Name string }
				}
			} `json:"_aws"`
		}
		start := strings.Index(line, "{")
		if start < 0 || json.Unmarshal([]byte(line[start:]), &doc) != nil || len(doc.AWS.CloudWatchMetrics) == 0 {
			continue
		}
		var members map[string]any
		if err := json.Unmarshal([]byte(line[start:]), &members); err != nil {
			t.Fatal(err)
		}
		for _, d := range doc.AWS.CloudWatchMetrics {
			if d.Namespace == namespace && d.Metrics[0].Name == metric && members[dimension] == value && members[metric] == 1.0 {
				n++
			}
		}
	}
	return n
}

// invoke posts an event to the emulator and decodes the function's answer.
func invoke(t *testing.T, url string, event, into any) {
	t.Helper()
	payload, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url, "application/json", bytes.NewReader(payload)) //nolint:gosec // G107: the emulator this test started
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("invoke: HTTP %d: %s", resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, into); err != nil {
		t.Fatalf("invoke answered %s: %v", body, err)
	}
}

// subscribedQueue creates a queue subscribed to topic and returns its URL.
func subscribedQueue(t *testing.T, snsClient *sns.Client, sqsClient *sqs.Client, topicARN, name string) string {
	t.Helper()
	ctx := context.Background()
	queue, err := sqsClient.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := sqsClient.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: queue.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snsClient.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(topicARN), Protocol: aws.String("sqs"), Endpoint: aws.String(attrs.Attributes["QueueArn"])}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(queue.QueueUrl)
}

func functionNames(t *testing.T) []string {
	t.Helper()
	names, err := lambdabuild.Functions("..")
	if err != nil {
		t.Fatal(err)
	}
	return names
}
