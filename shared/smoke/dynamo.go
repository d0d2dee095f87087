package smoke

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/dynamo"
)

// DynamoTable is a deployment's DynamoDB table, as smoke uses it: it reads
// and deletes only smoke's own webhooks, which is all the deploy role may.
type DynamoTable struct {
	Client *dynamodb.Client
	Name   string
}

func (d DynamoTable) Status(ctx context.Context, provider, eventID string) (store.Status, error) {
	w, err := dynamo.New(d.Client, d.Name).GetWebhook(ctx, provider, eventID)
	return w.Status, err
}

func (d DynamoTable) Remove(ctx context.Context, provider, eventID string) error {
	if !strings.HasPrefix(eventID, EventIDPrefix) {
		return fmt.Errorf("%s is not a smoke test's webhook", eventID)
	}
	if err := dynamo.New(d.Client, d.Name).DeleteWebhook(ctx, provider, eventID); err != nil {
		return fmt.Errorf("delete %s/%s from %s: %w", provider, eventID, d.Name, err)
	}
	return nil
}
