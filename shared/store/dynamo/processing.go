package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/store"
)

func (s *Store) GetPayment(ctx context.Context, provider, paymentID string) (payment.State, error) {
	item, err := s.get(ctx, store.PaymentKey(provider, paymentID), store.SortKey(store.KindPayment))
	if err != nil {
		return payment.State{}, err
	}
	return store.DecodePayment(item)
}

func (s *Store) get(ctx context.Context, pk, sk string) (store.Item, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            map[string]types.AttributeValue{store.AttrPK: &types.AttributeValueMemberS{Value: pk}, store.AttrSK: &types.AttributeValueMemberS{Value: sk}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, store.Unavailable(err)
	}
	if len(out.Item) == 0 {
		return nil, store.ErrNotFound
	}
	return ItemFromSDK(out.Item)
}

// CommitProcessed is one TransactWriteItems of two conditional Puts: the
// payment on its version, the webhook on its status. On AWS, EventBridge
// rules and SQS queues do what the embedded store's outbox does, so a
// commit with forwards is a wiring mistake, refused before any write.
func (s *Store) CommitProcessed(ctx context.Context, c store.Commit) error {
	if len(c.Forwards) > 0 {
		return fmt.Errorf("%w: DynamoDB has no forwarding outbox; forward through EventBridge (event_destinations)", store.ErrRejected)
	}
	var puts []*types.Put
	if c.Payment != nil {
		put := &types.Put{TableName: aws.String(s.table), Item: toSDKItem(store.PaymentItem(*c.Payment, c.At))}
		if c.PreviousVersion == 0 {
			put.ConditionExpression = aws.String("attribute_not_exists(#pk)")
			put.ExpressionAttributeNames = map[string]string{"#pk": store.AttrPK}
		} else {
			put.ConditionExpression = aws.String("#version = :version")
			put.ExpressionAttributeNames = map[string]string{"#version": store.AttrVersion}
			put.ExpressionAttributeValues = map[string]types.AttributeValue{":version": &types.AttributeValueMemberN{Value: strconv.FormatInt(c.PreviousVersion, 10)}}
		}
		puts = append(puts, put)
	}
	webhook, err := s.statusPut(store.ProcessedWebhook(c), c.Webhook.Status)
	if err != nil {
		return err
	}
	puts = append(puts, webhook)
	if len(puts) == 1 {
		return s.put(ctx, webhook)
	}
	items := make([]types.TransactWriteItem, len(puts))
	for i, put := range puts {
		items[i] = types.TransactWriteItem{Put: put}
	}
	_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	var canceled *types.TransactionCanceledException
	if errors.As(err, &canceled) && len(canceled.CancellationReasons) == 2 {
		// Reasons come in the order of the items: payment, then webhook.
		if aws.ToString(canceled.CancellationReasons[1].Code) == "ConditionalCheckFailed" {
			return store.ErrWebhookNotPending
		}
		if aws.ToString(canceled.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
			return store.ErrPaymentChanged
		}
	}
	if err != nil {
		return store.Unavailable(err)
	}
	return nil
}

// statusPut writes w whole, on condition that the stored status is from.
func (s *Store) statusPut(w store.Webhook, from store.Status) (*types.Put, error) {
	item, err := store.WebhookItem(w)
	if err != nil {
		return nil, err
	}
	return &types.Put{
		TableName:                 aws.String(s.table),
		Item:                      toSDKItem(item),
		ConditionExpression:       aws.String("#status = :from"),
		ExpressionAttributeNames:  map[string]string{"#status": store.AttrStatus},
		ExpressionAttributeValues: map[string]types.AttributeValue{":from": &types.AttributeValueMemberS{Value: string(from)}},
	}, nil
}

func (s *Store) put(ctx context.Context, put *types.Put) error {
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: put.TableName, Item: put.Item, ConditionExpression: put.ConditionExpression,
		ExpressionAttributeNames: put.ExpressionAttributeNames, ExpressionAttributeValues: put.ExpressionAttributeValues,
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return store.ErrWebhookNotPending
	}
	if err != nil {
		return store.Unavailable(err)
	}
	return nil
}

// PutWebhookIfStatus is one conditional PutItem.
func (s *Store) PutWebhookIfStatus(ctx context.Context, w store.Webhook, from store.Status) error {
	put, err := s.statusPut(w, from)
	if err != nil {
		return err
	}
	return s.put(ctx, put)
}
