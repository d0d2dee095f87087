package forward_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"
	"github.com/rs/zerolog"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/payment"
)

const queueARN = "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-ledger"

// fakeQueue records what the forwarder asked of a destination's queue.
type fakeQueue struct {
	mu          sync.Mutex
	delays      map[string]time.Duration
	deadLetters []forward.DeadLetter
	bodies      []string
	failSend    bool
}

func (q *fakeQueue) Delay(_ context.Context, receipt string, wait time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.delays == nil {
		q.delays = map[string]time.Duration{}
	}
	q.delays[receipt] = wait
	return nil
}

func (q *fakeQueue) DeadLetter(_ context.Context, body string, why forward.DeadLetter) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.failSend {
		return errors.New("queue unavailable")
	}
	q.deadLetters = append(q.deadLetters, why)
	q.bodies = append(q.bodies, body)
	return nil
}

// endpoint is a destination answering status, verifying what it received
// with the Standard Webhooks reference library.
type endpoint struct {
	*httptest.Server
	mu       sync.Mutex
	status   int
	header   http.Header
	received []forward.Body
	verified int
}

func newEndpoint(t *testing.T, secret string, status int) *endpoint {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	c := &endpoint{status: status, header: http.Header{}}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		defer c.mu.Unlock()
		var b forward.Body
		if json.Unmarshal(body, &b) == nil {
			c.received = append(c.received, b)
		}
		if wh.Verify(body, r.Header) == nil {
			c.verified++
		}
		for k, v := range c.header {
			w.Header()[k] = v
		}
		w.WriteHeader(c.status)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *endpoint) answerWith(header, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.header.Set(header, value)
}

func (c *endpoint) count() (received, verified int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.received), c.verified
}

// queued is the SQS record an EventBridge rule's target makes of e: the
// event as the processor published it, received for the nth time.
func queued(t *testing.T, e payment.Event, n int, sentAt time.Time) events.SQSMessage {
	detail, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	envelope, err := json.Marshal(events.EventBridgeEvent{
		Version: "0", ID: "6f1c0f6e-0000-4000-8000-000000000001", DetailType: string(e.Type), Source: "payhook",
		AccountID: "111122223333", Time: e.OccurredAt, Region: "ap-southeast-1", Resources: []string{}, Detail: detail,
	})
	if err != nil {
		t.Fatal(err)
	}
	return events.SQSMessage{
		MessageId: "sqs-" + e.EventID, ReceiptHandle: "receipt-" + e.EventID, Body: string(envelope), EventSourceARN: queueARN,
		Attributes: map[string]string{"ApproximateReceiveCount": strconv.Itoa(n), "SentTimestamp": strconv.FormatInt(sentAt.UnixMilli(), 10)},
	}
}

type setup struct {
	forwarder *forward.Forwarder
	queue     *fakeQueue
	log       *bytes.Buffer
}

func newForwarder(t *testing.T, url, secret string, types ...payment.Type) setup {
	signer, err := forward.ParseSecrets(secret)
	if err != nil {
		t.Fatal(err)
	}
	q := &fakeQueue{}
	var log bytes.Buffer
	return setup{queue: q, log: &log, forwarder: &forward.Forwarder{
		Destinations: map[string]forward.QueuedDestination{queueARN: {
			Destination: forward.Destination{Name: "ledger", URL: url, Types: types},
			Queue:       q,
			Signer:      func(context.Context) (forward.Signer, error) { return signer, nil },
		}},
		HTTP:        forward.NewClient(time.Second),
		RetryWindow: forward.DefaultRetryWindow,
		Log:         zerolog.New(zerolog.SyncWriter(&log)),
	}}
}

func failedIDs(resp events.SQSEventResponse) []string {
	ids := []string{}
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

func TestForwarderDeliversVerifiableMessages(t *testing.T) {
	is := is.New(t)
	secret := forward.NewSecret()
	c := newEndpoint(t, secret, http.StatusNoContent)
	s := newForwarder(t, c.URL, secret)
	batch := events.SQSEvent{Records: []events.SQSMessage{
		queued(t, succeeded("stripe", "evt_1", "pi_1"), 1, time.Now()),
		queued(t, succeeded("stripe", "evt_2", "pi_2"), 1, time.Now()),
	}}
	resp, err := s.forwarder.Handle(context.Background(), batch)
	is.NoErr(err)
	is.Equal(failedIDs(resp), []string{})
	received, verified := c.count()
	is.Equal(received, 2)
	is.Equal(verified, 2)
	is.Equal(len(s.queue.deadLetters), 0)
	is.Equal(len(s.queue.delays), 0)
	// The log names the message and the destination, never the body, the
	// URL or the secret.
	is.True(strings.Contains(s.log.String(), forward.MessageID("stripe", "evt_1")))
	for _, never := range []string{c.URL, secret, "pi_1"} {
		is.True(!strings.Contains(s.log.String(), never))
	}
}

func TestAFailingConsumerIsTriedAgainAfterItsBackoff(t *testing.T) {
	is := is.New(t)
	secret := forward.NewSecret()
	c := newEndpoint(t, secret, http.StatusInternalServerError)
	s := newForwarder(t, c.URL, secret)
	first := queued(t, succeeded("stripe", "evt_1", "pi_1"), 1, time.Now())
	fifth := queued(t, succeeded("stripe", "evt_5", "pi_5"), 5, time.Now().Add(-time.Minute))
	resp, err := s.forwarder.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{first, fifth}})
	is.NoErr(err)
	is.Equal(len(failedIDs(resp)), 2) // both come back
	is.True(s.queue.delays[first.ReceiptHandle] >= time.Second && s.queue.delays[first.ReceiptHandle] <= 2*time.Second)
	is.True(s.queue.delays[fifth.ReceiptHandle] >= 16*time.Second && s.queue.delays[fifth.ReceiptHandle] <= 32*time.Second)
	is.Equal(len(s.queue.deadLetters), 0)

	// Retry-After asks for longer than the backoff: honoured.
	c.answerWith("Retry-After", "600")
	resp, err = s.forwarder.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{first}})
	is.NoErr(err)
	is.Equal(failedIDs(resp), []string{first.MessageId})
	is.Equal(s.queue.delays[first.ReceiptHandle], 10*time.Minute)
}

func TestRetryAfterBeyondSQSsLimitWaitsInSteps(t *testing.T) {
	is := is.New(t)
	secret := forward.NewSecret()
	c := newEndpoint(t, secret, http.StatusServiceUnavailable)
	c.answerWith("Retry-After", strconv.Itoa(int((20 * time.Hour).Seconds())))
	s := newForwarder(t, c.URL, secret)
	s.forwarder.RetryWindow = 72 * time.Hour
	r := queued(t, succeeded("stripe", "evt_1", "pi_1"), 1, time.Now())
	resp, err := s.forwarder.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{r}})
	is.NoErr(err)
	is.Equal(len(failedIDs(resp)), 1)
	is.Equal(s.queue.delays[r.ReceiptHandle], forward.MaxDelay)
}

func TestMessagesAreDeadLetteredWhenRefusedOrOutOfTime(t *testing.T) {
	is := is.New(t)
	secret := forward.NewSecret()
	refusing := newEndpoint(t, secret, http.StatusBadRequest)
	s := newForwarder(t, refusing.URL, secret)
	r := queued(t, succeeded("stripe", "evt_1", "pi_1"), 1, time.Now())
	resp, err := s.forwarder.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{r}})
	is.NoErr(err)
	is.Equal(failedIDs(resp), []string{}) // done with: it is on the dead-letter queue
	is.Equal(s.queue.deadLetters, []forward.DeadLetter{{Destination: "ledger", WebhookID: forward.MessageID("stripe", "evt_1"), Outcome: forward.Refused, Status: 400, Reason: "answered 400"}})
	is.Equal(s.queue.bodies, []string{r.Body}) // as queued: a redrive puts it back as it was

	// A consumer failing for the whole window: the last attempt's failure
	// dead-letters it.
	failing := newEndpoint(t, secret, http.StatusBadGateway)
	s = newForwarder(t, failing.URL, secret)
	late := queued(t, succeeded("stripe", "evt_2", "pi_2"), 180, time.Now().Add(-forward.DefaultRetryWindow-time.Second))
	resp, err = s.forwarder.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{late}})
	is.NoErr(err)
	is.Equal(failedIDs(resp), []string{})
	is.Equal(len(s.queue.deadLetters), 1)
	is.Equal(s.queue.deadLetters[0].Outcome, forward.DeadLettered)
	is.Equal(s.queue.deadLetters[0].Status, 502)
	is.Equal(len(s.queue.delays), 0)
}

func TestAMessageThatCannotBeDeadLetteredStaysQueued(t *testing.T) {
	is := is.New(t)
	secret := forward.NewSecret()
	c := newEndpoint(t, secret, http.StatusGone)
	s := newForwarder(t, c.URL, secret)
	s.queue.failSend = true
	r := queued(t, succeeded("stripe", "evt_1", "pi_1"), 1, time.Now())
	resp, err := s.forwarder.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{r}})
	is.NoErr(err)
	is.Equal(failedIDs(resp), []string{r.MessageId})
}

func TestUnreadableMessagesAreDeadLetteredUnsent(t *testing.T) {
	secret := forward.NewSecret()
	invalid := succeeded("stripe", "evt_1", "")
	for name, body := range map[string]string{
		"not JSON":              "{",
		"no detail":             `{"version":"0","source":"payhook"}`,
		"detail not an event":   `{"version":"0","source":"payhook","detail":[1,2]}`,
		"detail an invalid one": queued(t, invalid, 1, time.Now()).Body,
	} {
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			c := newEndpoint(t, secret, http.StatusOK)
			s := newForwarder(t, c.URL, secret)
			r := events.SQSMessage{MessageId: "m1", ReceiptHandle: "h1", Body: body, EventSourceARN: queueARN}
			resp, err := s.forwarder.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{r}})
			is.NoErr(err)
			is.Equal(failedIDs(resp), []string{})
			received, _ := c.count()
			is.Equal(received, 0)
			is.Equal(len(s.queue.deadLetters), 1)
			is.Equal(s.queue.deadLetters[0].Outcome, forward.Unreadable)
			is.Equal(s.queue.deadLetters[0].WebhookID, "")
		})
	}
}

func TestOnlyWantedTypesAreDelivered(t *testing.T) {
	is := is.New(t)
	secret := forward.NewSecret()
	c := newEndpoint(t, secret, http.StatusOK)
	s := newForwarder(t, c.URL, secret, payment.DisputeOpened)
	resp, err := s.forwarder.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{queued(t, succeeded("stripe", "evt_1", "pi_1"), 1, time.Now())}})
	is.NoErr(err)
	is.Equal(failedIDs(resp), []string{})
	received, _ := c.count()
	is.Equal(received, 0)
	is.Equal(len(s.queue.deadLetters), 0)
}

func TestWithoutItsSecretADestinationWaits(t *testing.T) {
	is := is.New(t)
	secret := forward.NewSecret()
	c := newEndpoint(t, secret, http.StatusOK)
	s := newForwarder(t, c.URL, secret)
	d := s.forwarder.Destinations[queueARN]
	d.Signer = func(context.Context) (forward.Signer, error) {
		return forward.Signer{}, errors.New("secret has no value yet")
	}
	s.forwarder.Destinations[queueARN] = d
	r := queued(t, succeeded("stripe", "evt_1", "pi_1"), 1, time.Now())
	resp, err := s.forwarder.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{r}})
	is.NoErr(err)
	is.Equal(failedIDs(resp), []string{r.MessageId})
	received, _ := c.count()
	is.Equal(received, 0)
	is.True(s.queue.delays[r.ReceiptHandle] > 0)
}

func TestAMessageFromAnUnknownQueueIsLeftToItsRedrivePolicy(t *testing.T) {
	is := is.New(t)
	secret := forward.NewSecret()
	c := newEndpoint(t, secret, http.StatusOK)
	s := newForwarder(t, c.URL, secret)
	r := queued(t, succeeded("stripe", "evt_1", "pi_1"), 1, time.Now())
	r.EventSourceARN = queueARN + "-other"
	resp, err := s.forwarder.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{r}})
	is.NoErr(err)
	is.Equal(failedIDs(resp), []string{r.MessageId})
	received, _ := c.count()
	is.Equal(received, 0)
}

func TestSignerCacheRereadsAfterItsTTLAndKeepsWhatItHolds(t *testing.T) {
	is := is.New(t)
	now := time.Now() // the reference library holds signatures to a tolerance of the real time
	first, second := forward.NewSecret(), forward.NewSecret()
	value, fail, reads := first, error(nil), 0
	var reported []error
	cache := &forward.SignerCache{
		Load:    func(context.Context) (string, error) { reads++; return value, fail },
		TTL:     5 * time.Minute,
		Now:     func() time.Time { return now },
		OnError: func(err error) { reported = append(reported, err) },
	}
	m, err := forward.NewMessage(payment.Announcement{Event: succeeded("stripe", "evt_1", "pi_1")})
	is.NoErr(err)
	verifies := func(signer forward.Signer, secret string) bool {
		headers, err := signer.Headers(m, time.Now())
		is.NoErr(err)
		wh, err := standardwebhooks.NewWebhook(secret)
		is.NoErr(err)
		return wh.Verify(m.Body, headers) == nil
	}

	signer, err := cache.Signer(context.Background())
	is.NoErr(err)
	is.True(verifies(signer, first))
	value = second + "," + first // a rotation begins
	_, err = cache.Signer(context.Background())
	is.NoErr(err)
	is.Equal(reads, 1) // held for the TTL
	now = now.Add(5 * time.Minute)
	signer, err = cache.Signer(context.Background())
	is.NoErr(err)
	is.True(verifies(signer, second) && verifies(signer, first))

	fail = errors.New("throttled")
	now = now.Add(5 * time.Minute)
	signer, err = cache.Signer(context.Background())
	is.NoErr(err)
	is.True(verifies(signer, second)) // the held signer, and the failure told
	is.Equal(len(reported), 1)
	_, _ = cache.Signer(context.Background())
	is.Equal(reads, 3) // the next read waits another TTL

	value, fail = "sk_live_not_a_whsec", nil
	now = now.Add(5 * time.Minute)
	_, err = cache.Signer(context.Background())
	is.NoErr(err) // a bad value is a failed read too
	is.Equal(len(reported), 2)
	is.True(!strings.Contains(reported[1].Error(), "sk_live"))
}

func TestSignerCacheWithNothingHeldFails(t *testing.T) {
	is := is.New(t)
	cache := &forward.SignerCache{Load: func(context.Context) (string, error) { return "", errors.New("no value") }, TTL: time.Minute}
	_, err := cache.Signer(context.Background())
	is.True(err != nil)
}

func TestAWSDestinationsSetting(t *testing.T) {
	is := is.New(t)
	entry := func(name, url, queue string, types ...string) map[string]any {
		return map[string]any{
			"name": name, "url": url, "event_types": types, "queue_arn": "arn:aws:sqs:ap-southeast-1:111122223333:" + queue,
			"queue_url": "https://sqs.ap-southeast-1.amazonaws.com/111122223333/" + queue, "dead_letter_queue_url": "https://sqs.ap-southeast-1.amazonaws.com/111122223333/" + queue + "-dlq",
			"secret_arn": "arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:payhook-test/forward/" + name,
		}
	}
	setting := func(entries ...map[string]any) string {
		b, err := json.Marshal(entries)
		is.NoErr(err)
		return string(b)
	}
	destinations, err := forward.ParseAWSDestinations(setting(
		entry("ledger", "https://ledger.example.com/payhook", "q1", "payment.succeeded", "dispute.opened"),
		entry("crm", "https://crm.example.com/hooks", "q2"),
	))
	is.NoErr(err)
	is.Equal(len(destinations), 2)
	is.Equal(destinations[0].Types, []payment.Type{payment.Succeeded, payment.DisputeOpened})
	is.True(destinations[1].Wants(payment.Refunded))
	is.Equal(destinations[1].DeadLetterQueueURL, "https://sqs.ap-southeast-1.amazonaws.com/111122223333/q2-dlq")

	for name, raw := range map[string]string{
		"not JSON":         `{"token":"hunter22"`,
		"empty":            `[]`,
		"same name":        setting(entry("a", "https://a.example.com/", "q1"), entry("a", "https://b.example.com/", "q2")),
		"same queue":       setting(entry("a", "https://a.example.com/", "q1"), entry("b", "https://b.example.com/", "q1")),
		"credentials":      setting(entry("a", "https://user:hunter22@a.example.com/", "q1")),
		"not a URL":        setting(entry("a", "hunter22", "q1")),
		"unknown type":     setting(entry("a", "https://a.example.com/", "q1", "payment.lost")),
		"no queue":         setting(map[string]any{"name": "a", "url": "https://a.example.com/", "queue_url": "https://q/x", "dead_letter_queue_url": "https://q/y", "secret_arn": "arn:aws:secretsmanager:x"}),
		"no secret":        setting(map[string]any{"name": "a", "url": "https://a.example.com/", "queue_arn": "arn:aws:sqs:x", "queue_url": "https://q/x", "dead_letter_queue_url": "https://q/y"}),
		"no dead letters":  setting(map[string]any{"name": "a", "url": "https://a.example.com/", "queue_arn": "arn:aws:sqs:x", "queue_url": "https://q/x", "secret_arn": "arn:aws:secretsmanager:x"}),
		"unnamed":          setting(entry("", "https://a.example.com/", "q1")),
		"token in the URL": setting(entry("a", "ftp://a.example.com/?token=hunter22", "q1")),
	} {
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			_, err := forward.ParseAWSDestinations(raw)
			is.True(err != nil)
			is.True(strings.HasPrefix(err.Error(), forward.DestinationsSetting+": "))
			is.True(!strings.Contains(err.Error(), "hunter22"))
		})
	}
}
