package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/store"
)

// ListWebhooks scans the table: an operator's tool, paid per item read.
func (s *Store) ListWebhooks(ctx context.Context, filter store.WebhookFilter) ([]store.Webhook, error) {
	return store.ListWebhooks(func(visit func(store.Item) error) error { return s.scan(ctx, store.KindWebhook, visit) }, filter)
}

func (s *Store) ListPayments(ctx context.Context) ([]payment.State, error) {
	return store.ListPayments(func(visit func(store.Item) error) error { return s.scan(ctx, store.KindPayment, visit) })
}

// scan visits every item of kind, page by page.
func (s *Store) scan(ctx context.Context, kind store.Kind, visit func(store.Item) error) error {
	paginator := dynamodb.NewScanPaginator(s.client, &dynamodb.ScanInput{
		TableName:                 aws.String(s.table),
		FilterExpression:          aws.String("#sk = :sk"),
		ExpressionAttributeNames:  map[string]string{"#sk": store.AttrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":sk": &types.AttributeValueMemberS{Value: store.SortKey(kind)}},
		ConsistentRead:            aws.Bool(true),
	})
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(ctx)
		if err != nil {
			return store.Unavailable(err)
		}
		for _, raw := range page.Items {
			item, err := ItemFromSDK(raw)
			if err != nil {
				return err
			}
			if err := visit(item); err != nil {
				return err
			}
		}
	}
	return nil
}
