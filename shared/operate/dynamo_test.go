//go:build !sandbox

package operate_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/matryer/is"
	"github.com/rs/zerolog"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/store/dynamo"
)

// TestOperatorOnDynamoDB runs the contract on a table in DynamoDB Local,
// as payhook operates a deployment with --table.
func TestOperatorOnDynamoDB(t *testing.T) {
	client := testenv.DynamoDB(t)
	run(t, func(t *testing.T) fixture {
		table := testenv.UniqueName(t)
		if err := dynamo.CreateTable(context.Background(), client, table); err != nil {
			t.Fatal(err)
		}
		st, r := dynamo.New(client, table), &resent{}
		return fixture{op: operate.Table{Store: st, Name: table, Resender: r}, st: st, resent: r}
	})
	t.Run("on AWS an event's audit records and forwards are in the functions' logs", func(t *testing.T) {
		is := is.New(t)
		table := testenv.UniqueName(t)
		is.NoErr(dynamo.CreateTable(context.Background(), client, table))
		st := dynamo.New(client, table)
		seed(t, st)
		d, err := operate.Table{Store: st, Name: table}.Event(context.Background(), "stripe", "evt_paid")
		is.NoErr(err)
		is.True(strings.Contains(d.AuditNote, "--log-group-name /aws/lambda/"+table+"-auditor"))
		is.True(strings.Contains(d.AuditNote, `$.audit.pk = "WEBHOOK#stripe#evt_paid"`))
		is.True(strings.Contains(d.ForwardsNote, "/aws/lambda/"+table+"-forwarder"))
		is.True(strings.Contains(d.ForwardsNote, d.MessageID))
	})
}

// TestAResendOnAWSIsForwardedAsTheFirstSend: a resend to every destination
// is put on the event bus as the processor puts it; one to a destination
// lands on its queue in the shape EventBridge gives it, which the
// forwarder delivers, signed, with the message's id unchanged.
func TestAResendOnAWSIsForwardedAsTheFirstSend(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	var published []string
	bus := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		published = append(published, string(body))
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Write([]byte(`{"FailedEntryCount":0,"Entries":[{"EventId":"11710aed-b79e-4468-a20b-bb3c0c3b4860"}]}`))
	}))
	defer bus.Close()
	client := testenv.SQS(t)
	name := testenv.UniqueName(t)
	queue, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-forward-ledger")})
	is.NoErr(err)
	attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: queue.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	is.NoErr(err)
	queueARN := attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]

	resender := operate.AWSResender{
		Bus:  notify.EventBridgePublisher{Client: eventbridge.NewFromConfig(testenv.AWSConfig(), func(o *eventbridge.Options) { o.BaseEndpoint = aws.String(bus.URL) }), BusName: name + "-events"},
		SQS:  client,
		Name: name,
	}
	a := payment.Announcement{
		Event:         payment.Event{Provider: "stripe", EventID: "evt_1", Type: payment.Succeeded, ProviderType: "payment_intent.succeeded", PaymentID: "pi_1", AmountMinor: 2500, Currency: "EUR", OccurredAt: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)},
		PaymentStatus: payment.StatusSucceeded, PaymentVersion: 1,
	}
	to, err := resender.Resend(ctx, a, "")
	is.NoErr(err)
	is.True(strings.Contains(to[0], name+"-events"))
	is.Equal(len(published), 1)
	is.True(strings.Contains(published[0], `"Source":"payhook"`))

	to, err = resender.Resend(ctx, a, "ledger")
	is.NoErr(err)
	is.Equal(to, []string{"ledger"})
	_, err = resender.Resend(ctx, a, "nowhere")
	is.True(err != nil && strings.Contains(err.Error(), name+"-forward-nowhere"))

	var messages []sqstypes.Message
	for deadline := time.Now().Add(5 * time.Second); len(messages) == 0 && time.Now().Before(deadline); {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10})
		is.NoErr(err)
		messages = out.Messages
	}
	is.Equal(len(messages), 1)

	var mu sync.Mutex
	var delivered []string
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		delivered = append(delivered, r.Header.Get("webhook-id"))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer app.Close()
	signer, err := forward.ParseSecrets(forward.NewSecret())
	is.NoErr(err)
	f := &forward.Forwarder{
		Destinations: map[string]forward.QueuedDestination{queueARN: {
			Destination: forward.Destination{Name: "ledger", URL: app.URL},
			Queue:       forward.SQSQueue{Client: client, URL: aws.ToString(queue.QueueUrl), DeadLetterURL: aws.ToString(queue.QueueUrl)},
			Signer:      func(context.Context) (forward.Signer, error) { return signer, nil },
		}},
		HTTP: app.Client(), RetryWindow: time.Hour, Log: zerolog.Nop(),
	}
	resp, err := f.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{{
		MessageId: aws.ToString(messages[0].MessageId), ReceiptHandle: aws.ToString(messages[0].ReceiptHandle), Body: aws.ToString(messages[0].Body), EventSourceARN: queueARN,
	}}})
	is.NoErr(err)
	is.Equal(len(resp.BatchItemFailures), 0)
	is.Equal(delivered, []string{forward.MessageID("stripe", "evt_1")}) // the id consumers deduplicate on
	var envelope events.EventBridgeEvent
	is.NoErr(json.Unmarshal([]byte(aws.ToString(messages[0].Body)), &envelope))
	is.Equal(envelope.DetailType, "payment.succeeded")
}
