//go:build !sandbox

package forward_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/forward"
)

// TestSQSQueueOnGoaws runs the adapter's calls against goaws: a delayed
// message stays hidden for the delay, and a dead letter keeps its body and
// says why in its attributes.
func TestSQSQueueOnGoaws(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	client := testenv.SQS(t)
	name := testenv.UniqueName(t)
	queue, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	is.NoErr(err)
	dlq, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-dlq")})
	is.NoErr(err)
	q := forward.SQSQueue{Client: client, URL: aws.ToString(queue.QueueUrl), DeadLetterURL: aws.ToString(dlq.QueueUrl)}
	receive := func(url string) []types.Message {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"}})
		is.NoErr(err)
		return out.Messages
	}

	_, err = client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: queue.QueueUrl, MessageBody: aws.String(`{"detail":{}}`)})
	is.NoErr(err)
	var received []types.Message
	for deadline := time.Now().Add(5 * time.Second); len(received) == 0 && time.Now().Before(deadline); {
		received = receive(q.URL)
	}
	is.Equal(len(received), 1)
	is.NoErr(q.Delay(ctx, aws.ToString(received[0].ReceiptHandle), 2*time.Second))
	delayedAt := time.Now()
	is.Equal(len(receive(q.URL)), 0) // hidden for the delay...
	var again []types.Message
	for deadline := time.Now().Add(10 * time.Second); len(again) == 0 && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		again = receive(q.URL)
	}
	is.Equal(len(again), 1) // ...and only for it
	is.True(time.Since(delayedAt) >= 2*time.Second)
	is.Equal(aws.ToString(again[0].MessageId), aws.ToString(received[0].MessageId))

	why := forward.DeadLetter{Destination: "ledger", WebhookID: "msg_abc", Outcome: forward.Refused, Status: 410, Reason: "answered 410\x00"}
	is.NoErr(q.DeadLetter(ctx, aws.ToString(again[0].Body), why))
	letters := receive(q.DeadLetterURL)
	is.Equal(len(letters), 1)
	is.Equal(aws.ToString(letters[0].Body), `{"detail":{}}`)
	attributes := map[string]string{}
	for name, a := range letters[0].MessageAttributes {
		attributes[name] = aws.ToString(a.StringValue)
	}
	is.Equal(attributes, map[string]string{
		forward.AttributeDestination: "ledger", forward.AttributeWebhookID: "msg_abc", forward.AttributeOutcome: "refused",
		forward.AttributeStatus: "410", forward.AttributeReason: "answered 410?",
	})
	is.Equal(aws.ToString(letters[0].MessageAttributes[forward.AttributeStatus].DataType), "Number")
}
