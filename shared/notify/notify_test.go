package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/payment"
)

func TestEventBridgePublisher(t *testing.T) {
	is := is.New(t)
	var received struct {
		Entries []struct{ EventBusName, Source, DetailType, Detail string }
	}
	var target string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target = r.Header.Get("X-Amz-Target")
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &received); err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Write([]byte(`{"FailedEntryCount":0,"Entries":[{"EventId":"11710aed-b79e-4468-a20b-bb3c0c3b4860"}]}`))
	}))
	defer server.Close()
	client := eventbridge.NewFromConfig(testenv.AWSConfig(), func(o *eventbridge.Options) { o.BaseEndpoint = aws.String(server.URL) })
	event := payment.Event{Provider: "paypal", EventID: "WH-1", Type: payment.Succeeded, ProviderType: "PAYMENT.CAPTURE.COMPLETED", PaymentID: "CAP-1", AmountMinor: 2000, Currency: "USD", OccurredAt: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}

	is.NoErr(notify.EventBridgePublisher{Client: client, BusName: "payhook-dev"}.Publish(context.Background(), payment.Announcement{Event: event}))
	is.Equal(target, "AWSEvents.PutEvents")
	is.Equal(len(received.Entries), 1)
	is.Equal(received.Entries[0].EventBusName, "payhook-dev")
	is.Equal(received.Entries[0].Source, "payhook")
	is.Equal(received.Entries[0].DetailType, "payment.succeeded")
	var detail payment.Event
	is.NoErr(json.Unmarshal([]byte(received.Entries[0].Detail), &detail))
	is.Equal(detail, event)
}

func TestAlertsStayWithinWhatSNSAccepts(t *testing.T) {
	is := is.New(t)
	a := notify.Alert{Kind: "critical_event", Provider: "standard:acme", EventType: "dispute.opened\x1b[2J" + strings.Repeat("é", 200), Reason: strings.Repeat("r", 10_000)}
	subject := notify.Subject(a)
	is.True(len(subject) <= 99)
	for _, r := range subject {
		is.True(r >= ' ' && r <= '~') // printable ASCII only
	}
	bounded := notify.Bounded(a)
	is.True(len(bounded.Reason) <= 256)
	is.True(utf8.ValidString(bounded.EventType)) // cut on a character boundary
}
