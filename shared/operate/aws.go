package operate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/payment"
)

// AWSResender resends on AWS as the processor first sent: to the event
// bus, whose rules route the event to every destination that wants its
// type; or, for one destination, onto its queue as EventBridge would put
// it there, which the forwarder takes as any other.
type AWSResender struct {
	// Bus publishes to the deployment's bus (<name>-events).
	Bus notify.Publisher
	SQS *sqs.Client
	// Name is the deployment's: its destinations' queues are
	// <name>-forward-<destination>.
	Name string
}

func (r AWSResender) Resend(ctx context.Context, a payment.Announcement, destination string) ([]string, error) {
	if destination == "" {
		if err := r.Bus.Publish(ctx, a); err != nil {
			return nil, err
		}
		return []string{"the event bus " + r.Name + "-events (its rules pick the destinations)"}, nil
	}
	queue := r.Name + "-forward-" + destination
	found, err := r.SQS.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(queue)})
	if err != nil {
		return nil, fmt.Errorf("destination %q: no queue %s (event_destinations names the destinations): %w", destination, queue, err)
	}
	attrs, err := r.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: found.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		return nil, fmt.Errorf("destination %q: %w", destination, err)
	}
	// arn:partition:sqs:region:account:name
	arn := strings.SplitN(attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)], ":", 6)
	if len(arn) < 6 {
		return nil, fmt.Errorf("destination %q: queue %s has no ARN", destination, queue)
	}
	detail, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, err
	}
	body, err := json.Marshal(events.EventBridgeEvent{
		Version: "0", ID: hex.EncodeToString(id[:]), DetailType: string(a.Type), Source: notify.EventSource,
		AccountID: arn[4], Region: arn[3], Time: a.OccurredAt.UTC(), Resources: []string{}, Detail: detail,
	})
	if err != nil {
		return nil, err
	}
	if _, err := r.SQS.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: found.QueueUrl, MessageBody: aws.String(string(body))}); err != nil {
		return nil, fmt.Errorf("destination %q: %w", destination, err)
	}
	return []string{destination}, nil
}
