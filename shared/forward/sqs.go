package forward

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/payhook/payhook/shared/payment"
)

// The message attributes of a dead letter the forwarder sends, saying why
// it gave the message up. A message EventBridge could not queue carries
// EventBridge's own (ERROR_CODE, ERROR_MESSAGE, RULE_ARN) instead, and one
// the redrive policy moved after its receives carries none.
const (
	AttributeDestination = "payhook_destination"
	AttributeWebhookID   = "payhook_webhook_id"
	AttributeOutcome     = "payhook_outcome"
	AttributeStatus      = "payhook_status"
	AttributeReason      = "payhook_reason"
)

// SQSQueue is a destination's queue and its dead-letter queue on Amazon SQS.
type SQSQueue struct {
	Client        *sqs.Client
	URL           string
	DeadLetterURL string
}

// Delay sets the message's visibility timeout, in whole seconds (the
// forwarder holds wait to MaxDelay).
func (q SQSQueue) Delay(ctx context.Context, receipt string, wait time.Duration) error {
	seconds := int32(math.Ceil(wait.Seconds()))
	_, err := q.Client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: aws.String(q.URL), ReceiptHandle: aws.String(receipt), VisibilityTimeout: max(seconds, 0),
	})
	if err != nil {
		return fmt.Errorf("delay the message: %w", err)
	}
	return nil
}

// DeadLetter sends body to the dead-letter queue with why as message
// attributes.
func (q SQSQueue) DeadLetter(ctx context.Context, body string, why DeadLetter) error {
	attributes := map[string]types.MessageAttributeValue{
		AttributeDestination: text(why.Destination),
		AttributeOutcome:     text(string(why.Outcome)),
	}
	if why.WebhookID != "" {
		attributes[AttributeWebhookID] = text(why.WebhookID)
	}
	if why.Status != 0 {
		attributes[AttributeStatus] = types.MessageAttributeValue{DataType: aws.String("Number"), StringValue: aws.String(strconv.Itoa(why.Status))}
	}
	if why.Reason != "" {
		attributes[AttributeReason] = text(payment.Truncate(strings.Map(allowed, why.Reason), 256))
	}
	_, err := q.Client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl: aws.String(q.DeadLetterURL), MessageBody: aws.String(body), MessageAttributes: attributes,
	})
	if err != nil {
		return fmt.Errorf("send to the dead-letter queue: %w", err)
	}
	return nil
}

func text(s string) types.MessageAttributeValue {
	return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(s)}
}

// allowed keeps the characters SQS accepts in a message attribute and
// turns the others (control characters) into '?'.
func allowed(r rune) rune {
	if r == '\t' || r == '\n' || r == '\r' || r >= ' ' && r != 0xFFFE && r != 0xFFFF {
		return r
	}
	return '?'
}
