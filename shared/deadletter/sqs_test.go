//go:build !sandbox

package deadletter_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/deadletter"
)

func TestSQSQueueOnGoaws(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	client := testenv.SQS(t)
	created, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(testenv.UniqueName(t))})
	is.NoErr(err)
	q := deadletter.SQS{Client: client, QueueURL: aws.ToString(created.QueueUrl), Source: "processor"}

	is.NoErr(q.Send(ctx, []byte(`{"provider":"stripe","event_id":"evt_1","reason":"bad amount"}`)))
	messages, err := q.Receive(ctx, 10)
	is.NoErr(err)
	is.Equal(len(messages), 1)
	provider, eventID, err := deadletter.WebhookOf(messages[0].Body)
	is.NoErr(err)
	is.Equal(provider+"/"+eventID, "stripe/evt_1")
	is.NoErr(q.Delete(ctx, messages[0]))

	after, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: created.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages}})
	is.NoErr(err)
	is.Equal(after.Attributes["ApproximateNumberOfMessages"], "0")
}
