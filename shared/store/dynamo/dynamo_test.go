//go:build !sandbox

package dynamo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/dynamo"
	"github.com/payhook/payhook/shared/store/storetest"
)

// TestContract runs against AWS's DynamoDB Local, started by testenv.
func TestContract(t *testing.T) {
	client := testenv.DynamoDB(t)
	storetest.Run(t, func(t *testing.T) store.Table {
		table := testenv.UniqueName(t)
		if err := dynamo.CreateTable(context.Background(), client, table); err != nil {
			t.Fatal(err)
		}
		return dynamo.New(client, table)
	})
}

// TestItemAtRest reads the raw item back: large bodies are gzipped, and the
// TTL attribute is a number DynamoDB's TTL can act on.
func TestItemAtRest(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	client := testenv.DynamoDB(t)
	table := testenv.UniqueName(t)
	is.NoErr(dynamo.CreateTable(ctx, client, table))
	s := dynamo.New(client, table)

	body := []byte(`{"id":"evt_big","pad":"` + strings.Repeat("abcdefgh", 2048) + `"}`)
	expires := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err := s.PutWebhook(ctx, store.Webhook{Provider: "stripe", EventID: "evt_big", EventType: "charge.succeeded", Body: body, Status: store.StatusReceived, ExpiresAt: expires})
	is.NoErr(err)

	pk, sk := store.WebhookKey("stripe", "evt_big")
	out, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk},
	}})
	is.NoErr(err)
	is.Equal(out.Item["body_encoding"].(*types.AttributeValueMemberS).Value, "gzip")
	is.True(len(out.Item["body"].(*types.AttributeValueMemberB).Value) < len(body)/10)
	is.Equal(out.Item["expires_at"].(*types.AttributeValueMemberN).Value, "1798761600")

	ttl, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	is.NoErr(err)
	is.Equal(aws.ToString(ttl.TimeToLiveDescription.AttributeName), "expires_at")
}
