package forward_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/notify"
)

// sqsVisibility is a queue that holds ChangeMessageVisibility to SQS's
// rule: a message's visibility can be extended to at most 12 hours from
// when it was received; asking for more is rejected ("If you attempt to
// set the VisibilityTimeout to an amount more than the maximum time left,
// Amazon SQS returns an error").
type sqsVisibility struct {
	fakeQueue
	receivedAt time.Time
	mu         sync.Mutex
	rejected   int
}

func (q *sqsVisibility) Delay(ctx context.Context, receipt string, wait time.Duration) error {
	if time.Since(q.receivedAt)+wait > 12*time.Hour {
		q.mu.Lock()
		q.rejected++
		q.mu.Unlock()
		return errors.New("InvalidParameterValue: total visibility timeout would exceed 12 hours")
	}
	return q.fakeQueue.Delay(ctx, receipt, wait)
}

// TestALongRetryAfterIsAcceptedBySQS: a consumer answering 503 with a
// Retry-After of a day. SQS hides a message for at most 12 h from its
// receive, part of which the attempt used: asking for 12 h is refused,
// and the message would come back after the queue's visibility timeout,
// hitting the consumer every few minutes and counting towards
// maxReceiveCount. The wait asked for leaves room for the attempt.
func TestALongRetryAfterIsAcceptedBySQS(t *testing.T) {
	is := is.New(t)
	secret := forward.NewSecret()
	c := newEndpoint(t, secret, http.StatusServiceUnavailable)
	c.answerWith("Retry-After", strconv.Itoa(int((24 * time.Hour).Seconds())))
	s := newForwarder(t, c.URL, secret)
	s.forwarder.RetryWindow = 72 * time.Hour
	q := &sqsVisibility{receivedAt: time.Now()}
	d := s.forwarder.Destinations[queueARN]
	d.Queue = q
	s.forwarder.Destinations[queueARN] = d
	r := queued(t, succeeded("stripe", "evt_1", "pi_1"), 1, time.Now())
	time.Sleep(10 * time.Millisecond) // the poller received it a moment before the invocation
	resp, err := s.forwarder.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{r}})
	is.NoErr(err)
	is.Equal(len(failedIDs(resp)), 1)
	is.Equal(q.rejected, 0) // a delay SQS accepts
}

// TestOnlyPayhooksOwnEventsAreSignedAndDelivered: a same-account
// principal that could send to a destination's queue (the queue policy
// now denies anyone but the rule) would have its body signed with the
// destination's secret. The forwarder holds the envelope to what the rule
// queues: source "payhook", the queue's own account, detail-type equal to
// the detail's type.
func TestOnlyPayhooksOwnEventsAreSignedAndDelivered(t *testing.T) {
	is := is.New(t)
	secret := forward.NewSecret()
	c := newEndpoint(t, secret, http.StatusOK)
	s := newForwarder(t, c.URL, secret)
	r := queued(t, succeeded("stripe", "evt_forged", "pi_forged"), 1, time.Now())
	var envelope map[string]any
	is.NoErr(json.Unmarshal([]byte(r.Body), &envelope))
	envelope["source"] = "someone.else"
	envelope["detail-type"] = "payment.refunded"
	envelope["account"] = "999999999999"
	body, err := json.Marshal(envelope)
	is.NoErr(err)
	r.Body = string(body)
	_, err = s.forwarder.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{r}})
	is.NoErr(err)
	_, verified := c.count()
	is.Equal(verified, 0) // never signed, never delivered
}

func TestTheForwarderKnowsTheProcessorsEventSource(t *testing.T) {
	is.New(t).Equal(forward.EventSource, notify.EventSource)
}
