// Package dynamo is the DynamoDB adapter of the store port (aws-sdk-go-v2).
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/payhook/payhook/shared/store"
)

// Store keeps webhooks, payments and bindings in one table
// (docs/design.md, data model).
type Store struct {
	client *dynamodb.Client
	table  string
}

func New(client *dynamodb.Client, table string) *Store {
	return &Store{client: client, table: table}
}

// PutWebhook is one conditional PutItem: the first delivery of an event
// creates the item, every later one fails the condition and is a duplicate.
// DynamoDB acknowledges a PutItem only once it is durably written.
func (s *Store) PutWebhook(ctx context.Context, w store.Webhook) (bool, error) {
	item, err := store.WebhookItem(w)
	if err != nil {
		return false, err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.table),
		Item:                toSDKItem(item),
		ConditionExpression: aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{
			"#pk": store.AttrPK,
		},
	})
	var exists *types.ConditionalCheckFailedException
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &exists):
		return false, nil
	}
	return false, classify(err)
}

// BindTransmission is one conditional PutItem: it writes the binding
// unless one with another body's digest exists. The receiver needs no read
// permission, and the condition itself tells a redelivery of the same body
// (written again, harmlessly) from a forgery (refused).
func (s *Store) BindTransmission(ctx context.Context, b store.Binding) (bool, error) {
	item := store.TransmissionItem(b)
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(s.table),
		Item:                      toSDKItem(item),
		ConditionExpression:       aws.String("attribute_not_exists(#pk) OR #digest = :digest"),
		ExpressionAttributeNames:  map[string]string{"#pk": store.AttrPK, "#digest": store.AttrBodySHA256},
		ExpressionAttributeValues: map[string]types.AttributeValue{":digest": toSDK(item[store.AttrBodySHA256])},
	})
	var otherBody *types.ConditionalCheckFailedException
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &otherBody):
		return false, nil
	}
	return false, classify(err)
}

// classify tells a write DynamoDB refuses for good (a validation error:
// a key or item over its limits) from one a retry may get through.
func classify(err error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "ValidationException", "ItemCollectionSizeLimitExceededException":
			return fmt.Errorf("%w: %w", store.ErrRejected, err)
		}
	}
	return store.Unavailable(err)
}

func (s *Store) GetWebhook(ctx context.Context, provider, eventID string) (store.Webhook, error) {
	pk, sk := store.WebhookKey(provider, eventID)
	item, err := s.get(ctx, pk, sk)
	if err != nil {
		return store.Webhook{}, err
	}
	return store.DecodeWebhook(item)
}

// CreateTable creates the table as the OpenTofu module does (on demand,
// stream with old and new images, TTL on expires_at, the webhook indexes)
// and waits until it is active. For local runs and tests; on AWS the table is OpenTofu's.
func CreateTable(ctx context.Context, client *dynamodb.Client, table string) error {
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(table),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(store.AttrPK), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(store.AttrSK), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(store.AttrStatus), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(store.AttrPaymentKey), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(store.AttrReceivedAt), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(store.AttrPK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(store.AttrSK), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			webhookIndex(IndexByStatus, store.AttrStatus, store.AttrPaymentKey),
			webhookIndex(IndexByPayment, store.AttrPaymentKey, store.AttrStatus),
		},
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
	})
	if err != nil {
		return fmt.Errorf("create table %s: %w", table, err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 100 * time.Millisecond })
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, time.Minute); err != nil {
		return fmt.Errorf("create table %s: %w", table, err)
	}
	_, err = client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(store.AttrExpiresAt), Enabled: aws.Bool(true)},
	})
	if err != nil {
		return fmt.Errorf("enable TTL on %s: %w", table, err)
	}
	return nil
}

// webhookIndex is one of the webhook indexes: hash, then received_at,
// holding IndexedAttributes and other.
func webhookIndex(name, hash, other string) types.GlobalSecondaryIndex {
	return types.GlobalSecondaryIndex{
		IndexName: aws.String(name),
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(hash), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(store.AttrReceivedAt), KeyType: types.KeyTypeRange},
		},
		Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: append(slices.Clone(IndexedAttributes), other)},
	}
}

// DeleteWebhook is one DeleteItem: the stream's REMOVE record tells the
// auditor. A webhook that is not there is not an error. payhook smoke
// removes what it wrote with it, under a role that may delete smoke's
// webhooks alone.
func (s *Store) DeleteWebhook(ctx context.Context, provider, eventID string) error {
	pk, sk := store.WebhookKey(provider, eventID)
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table),
		Key:       map[string]types.AttributeValue{store.AttrPK: &types.AttributeValueMemberS{Value: pk}, store.AttrSK: &types.AttributeValueMemberS{Value: sk}},
	})
	if err != nil {
		return classify(err)
	}
	return nil
}
