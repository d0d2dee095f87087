package deadletter

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// SQS is a dead-letter queue on Amazon SQS.
type SQS struct {
	Client   *sqs.Client
	QueueURL string
	// Source labels the messages Receive returns.
	Source string
}

func (q SQS) Send(ctx context.Context, body []byte) error {
	_, err := q.Client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:    aws.String(q.QueueURL),
		MessageBody: aws.String(string(body)),
	})
	if err != nil {
		return fmt.Errorf("send to dead-letter queue: %w", err)
	}
	return nil
}

// Receive takes up to max (at most 10, SQS's limit) messages, hiding them
// for 60 s: long enough for a redrive to handle and delete them. It waits
// up to 5 s for messages (long polling), so that an empty answer means an
// empty queue, not one of SQS's sampled hosts that had none.
func (q SQS) Receive(ctx context.Context, limit int) ([]Message, error) {
	out, err := q.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:            aws.String(q.QueueURL),
		MaxNumberOfMessages: int32(max(1, min(limit, 10))),
		VisibilityTimeout:   60,
		WaitTimeSeconds:     5,
	})
	if err != nil {
		return nil, fmt.Errorf("receive from dead-letter queue: %w", err)
	}
	messages := make([]Message, len(out.Messages))
	for i, m := range out.Messages {
		messages[i] = Message{ID: aws.ToString(m.MessageId), Handle: aws.ToString(m.ReceiptHandle), Body: []byte(aws.ToString(m.Body)), Source: q.Source}
	}
	return messages, nil
}

func (q SQS) Delete(ctx context.Context, m Message) error {
	_, err := q.Client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q.QueueURL), ReceiptHandle: aws.String(m.Handle)})
	if err != nil {
		return fmt.Errorf("delete from dead-letter queue: %w", err)
	}
	return nil
}
