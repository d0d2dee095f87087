//go:build !sandbox

package notify_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/notify"
)

// TestSNSAlerterOnGoaws publishes to a topic on goaws and reads the alert
// back from an SQS queue subscribed to it, as an operator's pager would.
func TestSNSAlerterOnGoaws(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	snsClient, sqsClient := testenv.SNS(t), testenv.SQS(t)
	name := testenv.UniqueName(t)
	topic, err := snsClient.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)})
	is.NoErr(err)
	queue, err := sqsClient.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	is.NoErr(err)
	attrs, err := sqsClient.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: queue.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	is.NoErr(err)
	_, err = snsClient.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(attrs.Attributes["QueueArn"])})
	is.NoErr(err)

	alert := notify.Alert{Kind: "critical_event", Provider: "stripe", EventID: "evt_1", EventType: "dispute.opened", PaymentID: "pi_1", At: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
	is.NoErr(notify.SNSAlerter{Client: snsClient, TopicARN: aws.ToString(topic.TopicArn)}.Alert(ctx, alert))

	out, err := sqsClient.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10})
	is.NoErr(err)
	is.Equal(len(out.Messages), 1)
	var envelope struct{ Subject, Message string }
	is.NoErr(json.Unmarshal([]byte(aws.ToString(out.Messages[0].Body)), &envelope))
	is.Equal(envelope.Subject, "payhook critical_event: stripe dispute.opened")
	var got notify.Alert
	is.NoErr(json.Unmarshal([]byte(envelope.Message), &got))
	is.Equal(got, alert)
}

// TestEventBridgePublisher runs the real SDK client against a stand-in that
// speaks EventBridge's PutEvents JSON protocol: none of this machine's
// emulators covers EventBridge.
