package dynamo_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/dynamo"
)

// transactCall is one TransactWriteItems a fake DynamoDB received.
type transactCall struct {
	token  string
	events []string
}

// fakeTransactions answers TransactWriteItems with the cancellation reasons
// answer gives for each call (nil: success), so that a test can give the
// reasons DynamoDB Local never does: conflicts, throttling.
func fakeTransactions(t *testing.T, answer func(call int, events []string) []string) (*dynamo.Store, func() []transactCall) {
	var (
		mu    sync.Mutex
		calls []transactCall
	)
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ClientRequestToken string
			TransactItems      []struct {
				Put struct {
					Item map[string]struct{ S string }
				}
			}
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			t.Error(err)
		}
		call := transactCall{token: in.ClientRequestToken}
		for _, item := range in.TransactItems {
			call.events = append(call.events, item.Put.Item[store.AttrEventID].S)
		}
		mu.Lock()
		calls = append(calls, call)
		reasons := answer(len(calls), call.events)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		if reasons == nil {
			w.Write([]byte(`{}`))
			return
		}
		codes := make([]map[string]string, len(reasons))
		for i, code := range reasons {
			codes[i] = map[string]string{"Code": code}
		}
		body, _ := json.Marshal(map[string]any{
			"__type":              "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
			"Message":             fmt.Sprintf("Transaction cancelled, please refer cancellation reasons for specific reasons %v", reasons),
			"CancellationReasons": codes,
		})
		w.WriteHeader(http.StatusBadRequest)
		w.Write(body)
	}))
	t.Cleanup(server.Close)
	client := dynamodb.New(dynamodb.Options{
		Region:       "ap-southeast-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(server.URL),
	})
	return dynamo.New(client, "payhook"), func() []transactCall {
		mu.Lock()
		defer mu.Unlock()
		return append([]transactCall(nil), calls...)
	}
}

// always answers every call with the same reason for the first item, None
// for the rest.
func always(code string) func(int, []string) []string {
	return func(_ int, events []string) []string {
		reasons := make([]string, len(events))
		for i := range reasons {
			reasons[i] = "None"
		}
		reasons[0] = code
		return reasons
	}
}

func batchOf(n int) []store.Webhook {
	ws := make([]store.Webhook, n)
	for i := range ws {
		id := fmt.Sprintf("EV%03d", i)
		ws[i] = store.Webhook{Provider: "gocardless", EventID: id, Body: []byte(`{}`), Status: store.StatusReceived, ExpiresAt: time.Now().Add(time.Hour)}
	}
	return ws
}

// TestPutWebhooksReadsCancellationReasons holds the DynamoDB adapter to the
// reasons DynamoDB gives for canceling a batch's transaction.
func TestPutWebhooksReadsCancellationReasons(t *testing.T) {
	for _, tc := range []struct {
		name    string
		batch   []store.Webhook
		answer  func(call int, events []string) []string
		want    []bool
		wantErr error
		// calls are the events each transaction carried.
		calls [][]string
	}{
		{
			name:  "duplicates are left out and the rest written again",
			batch: batchOf(3),
			answer: func(call int, _ []string) []string {
				if call == 1 {
					return []string{"ConditionalCheckFailed", "None", "ConditionalCheckFailed"}
				}
				return nil
			},
			want:  []bool{false, true, false},
			calls: [][]string{{"EV000", "EV001", "EV002"}, {"EV001"}},
		},
		{
			// DynamoDB refuses a transaction that writes one item twice
			// (DynamoDB Local does not: it fails the second's condition).
			name:   "the same event twice in a batch is written once",
			batch:  append(batchOf(2), batchOf(1)...),
			answer: func(int, []string) []string { return nil },
			want:   []bool{true, true, false},
			calls:  [][]string{{"EV000", "EV001"}},
		},
		{
			name:  "a conflict with a concurrent write runs the transaction again",
			batch: batchOf(2),
			answer: func(call int, _ []string) []string {
				if call == 1 {
					return []string{"TransactionConflict", "None"}
				}
				return nil
			},
			want:  []bool{true, true},
			calls: [][]string{{"EV000", "EV001"}, {"EV000", "EV001"}},
		},
		{
			name:    "conflicts past the bound are unavailable",
			batch:   batchOf(2),
			answer:  always("TransactionConflict"),
			wantErr: store.ErrUnavailable,
			calls:   [][]string{{"EV000", "EV001"}, {"EV000", "EV001"}, {"EV000", "EV001"}, {"EV000", "EV001"}},
		},
		{name: "throttling is unavailable", batch: batchOf(2), answer: always("ThrottlingError"), wantErr: store.ErrUnavailable, calls: [][]string{{"EV000", "EV001"}}},
		{name: "a validation error is rejected", batch: batchOf(2), answer: always("ValidationError"), wantErr: store.ErrRejected, calls: [][]string{{"EV000", "EV001"}}},
		{
			// Written 100 at a time: the first hundred stay stored.
			name:  "a failure after the first hundred leaves them stored",
			batch: batchOf(250),
			answer: func(call int, events []string) []string {
				if call == 2 {
					return always("ProvisionedThroughputExceeded")(call, events)
				}
				return nil
			},
			wantErr: store.ErrUnavailable,
			calls:   [][]string{ids(0, 100), ids(100, 200)},
		},
		{name: "250 events are three transactions", batch: batchOf(250), answer: func(int, []string) []string { return nil },
			want: slices.Repeat([]bool{true}, 250), calls: [][]string{ids(0, 100), ids(100, 200), ids(200, 250)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			s, calls := fakeTransactions(t, tc.answer)
			created, err := s.PutWebhooks(context.Background(), tc.batch)
			if tc.wantErr != nil {
				is.True(errors.Is(err, tc.wantErr))
			} else {
				is.NoErr(err)
			}
			is.Equal(created, tc.want)
			got := calls()
			tokens := map[string]bool{}
			events := make([][]string, len(got))
			for i, call := range got {
				events[i] = call.events
				tokens[call.token] = true
			}
			is.Equal(events, tc.calls)
			is.Equal(len(tokens), len(got)) // each transaction its own idempotency token
		})
	}
}

func ids(from, to int) []string {
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("EV%03d", i))
	}
	return out
}

// TestPutWebhooksChecksEveryKeyFirst: a key DynamoDB would refuse refuses
// the batch before any transaction, even one past the first hundred.
func TestPutWebhooksChecksEveryKeyFirst(t *testing.T) {
	is := is.New(t)
	s, calls := fakeTransactions(t, func(int, []string) []string { return nil })
	batch := batchOf(150)
	batch[140].EventID = strings.Repeat("e", store.MaxPartitionKeyBytes)
	_, err := s.PutWebhooks(context.Background(), batch)
	is.True(errors.Is(err, store.ErrRejected))
	is.Equal(len(calls()), 0)
}
