//go:build !sandbox

package functions_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/matryer/is"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/payment"
)

// forwarderUnderTheEmulator runs the forwarder binary under the emulator
// with three destinations, each with its queue and dead-letter queue on
// goaws and its secret on the Secrets Manager stand-in, and invokes it as
// the SQS event source mapping would, once per queue: the consumer that
// answers 204 receives messages the Standard Webhooks reference library
// verifies; the one answering 500 gets its message back as a batch item
// failure, hidden for its backoff; the one answering 400 has it on its
// dead-letter queue, as queued, with why.
func forwarderUnderTheEmulator(t *testing.T, bootstrap string) {
	is := is.New(t)
	ctx := context.Background()
	sqsClient := testenv.SQS(t)
	prefix := testenv.UniqueName(t)

	type destination struct {
		name, secret, secretARN string
		consumer                *recordingConsumer
		queueURL, queueARN      string
		dlqURL                  string
	}
	var destinations []*destination
	secrets := map[string]string{}
	var setting []map[string]any
	for _, d := range []struct {
		name   string
		status int
	}{{"ledger", http.StatusNoContent}, {"flaky", http.StatusInternalServerError}, {"strict", http.StatusBadRequest}} {
		dest := &destination{name: d.name, secret: forward.NewSecret(), secretARN: "arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:payhook-test/forward/" + d.name + "-AbCdEf"}
		dest.consumer = newRecordingConsumer(t, dest.secret, d.status)
		secrets[dest.secretARN] = dest.secret
		queue, err := sqsClient.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(prefix + "-forward-" + d.name)})
		is.NoErr(err)
		dlq, err := sqsClient.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(prefix + "-forward-" + d.name + "-dlq")})
		is.NoErr(err)
		attrs, err := sqsClient.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: queue.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
		is.NoErr(err)
		dest.queueURL, dest.queueARN, dest.dlqURL = aws.ToString(queue.QueueUrl), attrs.Attributes["QueueArn"], aws.ToString(dlq.QueueUrl)
		destinations = append(destinations, dest)
		// What the pipeline module writes.
		setting = append(setting, map[string]any{
			"name": d.name, "url": dest.consumer.URL + "/payhook", "event_types": []string{}, "queue_arn": dest.queueARN,
			"queue_url": dest.queueURL, "dead_letter_queue_url": dest.dlqURL, "secret_arn": dest.secretARN,
		})
	}
	destinationsSetting, err := json.Marshal(setting)
	is.NoErr(err)

	forwarder := testenv.RuntimeEmulator(t, bootstrap, []string{
		"AWS_REGION=" + testenv.Region, "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"AWS_ENDPOINT_URL_SQS=" + testenv.SQSEndpoint(t), "AWS_ENDPOINT_URL_SECRETS_MANAGER=" + testenv.SecretsManagerOf(t, secrets),
		"PAYHOOK_FORWARD_DESTINATIONS=" + string(destinationsSetting),
	})

	// queue puts the EventBridge event of each canonical event on d's queue,
	// as its rule's target does, and receives it back, as the event source
	// mapping does: the records carry real receipt handles.
	queue := func(d *destination, canonical ...payment.Event) events.SQSEvent {
		for _, e := range canonical {
			detail, err := json.Marshal(e) // as notify.EventBridgePublisher publishes it
			is.NoErr(err)
			envelope, err := json.Marshal(events.EventBridgeEvent{
				Version: "0", ID: "0d0c2a4e-1b7e-4f6a-9c1d-" + e.EventID, DetailType: string(e.Type), Source: "payhook",
				// The queue's own account, as EventBridge's target would queue it.
				AccountID: strings.Split(d.queueARN, ":")[4], Time: e.OccurredAt, Region: testenv.Region, Resources: []string{}, Detail: detail,
			})
			is.NoErr(err)
			_, err = sqsClient.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(d.queueURL), MessageBody: aws.String(string(envelope))})
			is.NoErr(err)
		}
		var batch events.SQSEvent
		for deadline := time.Now().Add(5 * time.Second); len(batch.Records) < len(canonical) && time.Now().Before(deadline); {
			out, err := sqsClient.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(d.queueURL), MaxNumberOfMessages: 10})
			is.NoErr(err)
			for _, m := range out.Messages {
				batch.Records = append(batch.Records, events.SQSMessage{
					MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body),
					Attributes:     map[string]string{"ApproximateReceiveCount": "1", "SentTimestamp": strconv.FormatInt(time.Now().UnixMilli(), 10)},
					EventSourceARN: d.queueARN, EventSource: "aws:sqs", AWSRegion: testenv.Region,
				})
			}
		}
		is.Equal(len(batch.Records), len(canonical))
		return batch
	}
	event := func(id string) payment.Event {
		return payment.Event{
			Provider: "stripe", EventID: id, Type: payment.Succeeded, ProviderType: "payment_intent.succeeded",
			PaymentID: "pi_" + id, AmountMinor: 2000, Currency: "EUR", OccurredAt: time.Now().UTC().Truncate(time.Second),
		}
	}
	ledger, flaky, strict := destinations[0], destinations[1], destinations[2]

	var resp events.SQSEventResponse
	invoke(t, forwarder.URL, queue(ledger, event("evt_fwd_1"), event("evt_fwd_2")), &resp)
	is.Equal(len(resp.BatchItemFailures), 0)
	received, verified := ledger.consumer.count()
	is.Equal(received, 2)
	is.Equal(verified, 2)
	is.Equal(ledger.consumer.path(), "/payhook")

	batch := queue(flaky, event("evt_fwd_3"))
	invoke(t, forwarder.URL, batch, &resp)
	is.Equal(resp.BatchItemFailures, []events.SQSBatchItemFailure{{ItemIdentifier: batch.Records[0].MessageId}})
	// Hidden for its first backoff (1 to 2 s), not goaws' 30 s default.
	var back []types.Message
	for deadline := time.Now().Add(10 * time.Second); len(back) == 0 && time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		out, err := sqsClient.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(flaky.queueURL), MaxNumberOfMessages: 10})
		is.NoErr(err)
		back = out.Messages
	}
	is.Equal(len(back), 1)
	is.Equal(aws.ToString(back[0].MessageId), batch.Records[0].MessageId)
	received, verified = flaky.consumer.count()
	is.Equal(received, 1)
	is.Equal(verified, 1)

	batch = queue(strict, event("evt_fwd_4"))
	invoke(t, forwarder.URL, batch, &resp)
	is.Equal(len(resp.BatchItemFailures), 0)
	out, err := sqsClient.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(strict.dlqURL), MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"}})
	is.NoErr(err)
	is.Equal(len(out.Messages), 1)
	is.Equal(aws.ToString(out.Messages[0].Body), batch.Records[0].Body)
	is.Equal(aws.ToString(out.Messages[0].MessageAttributes[forward.AttributeOutcome].StringValue), string(forward.Refused))
	is.Equal(aws.ToString(out.Messages[0].MessageAttributes[forward.AttributeStatus].StringValue), "400")
	is.Equal(aws.ToString(out.Messages[0].MessageAttributes[forward.AttributeWebhookID].StringValue), forward.MessageID("stripe", "evt_fwd_4"))
	logReports(t, "forwarder", forwarder)
}

// recordingConsumer is a user's endpoint answering status, counting what
// the Standard Webhooks reference library verifies with its secret.
type recordingConsumer struct {
	*httptest.Server
	mu                 sync.Mutex
	received, verified int
	lastPath           string
}

func newRecordingConsumer(t *testing.T, secret string, status int) *recordingConsumer {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	c := &recordingConsumer{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.received++
		c.lastPath = r.URL.Path
		if wh.Verify(body, r.Header) == nil {
			c.verified++
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *recordingConsumer) count() (received, verified int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.received, c.verified
}

func (c *recordingConsumer) path() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastPath
}
