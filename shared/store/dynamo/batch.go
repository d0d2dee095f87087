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

	"github.com/payhook/payhook/shared/store"
)

// maxTransactItems is DynamoDB's limit on the actions of one transaction.
const maxTransactItems = 100

// conflictRetries bounds how often a transaction canceled by a concurrent
// write of the same items runs again. The usual concurrent writer is the
// provider's own redelivery of the batch, which a second try finds stored.
const conflictRetries = 3

// pendingPut is one webhook of a batch still to be written, with its place
// in the batch.
type pendingPut struct {
	index int
	item  map[string]types.AttributeValue
}

// PutWebhooks writes the batch in TransactWriteItems of conditional Puts,
// maxTransactItems at a time, every key checked before the first. A
// failure after the first transaction leaves the earlier ones stored (the
// receiver answers 503, the provider retries the whole batch, and the
// stored ones are then duplicates). The stream has an INSERT per new item,
// as for PutWebhook.
func (s *Store) PutWebhooks(ctx context.Context, ws []store.Webhook) ([]bool, error) {
	puts := make([]pendingPut, 0, len(ws))
	seen := make(map[string]bool, len(ws))
	for i, w := range ws {
		item, err := store.WebhookItem(w)
		if err != nil {
			return nil, err
		}
		if err := store.CheckKeys(item); err != nil {
			return nil, err
		}
		// A transaction may not write one item twice: a later copy is a
		// duplicate, left out.
		pk := item[store.AttrPK].String()
		if seen[pk] {
			continue
		}
		seen[pk] = true
		puts = append(puts, pendingPut{index: i, item: toSDKItem(item)})
	}
	if err := ctx.Err(); err != nil {
		return nil, store.Unavailable(err)
	}
	created := make([]bool, len(ws))
	for chunk := range slices.Chunk(puts, maxTransactItems) {
		if err := s.transact(ctx, chunk, created); err != nil {
			return nil, err
		}
	}
	return created, nil
}

// transact writes puts in one transaction, and sets created for those it
// wrote. A transaction canceled because some items exist runs again
// without them, so it runs at most len(puts) times, plus conflictRetries.
func (s *Store) transact(ctx context.Context, puts []pendingPut, created []bool) error {
	conflicts := 0
	for len(puts) > 0 {
		items := make([]types.TransactWriteItem, len(puts))
		for i, p := range puts {
			items[i] = types.TransactWriteItem{Put: &types.Put{
				TableName:                aws.String(s.table),
				Item:                     p.item,
				ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
				ExpressionAttributeNames: map[string]string{"#pk": store.AttrPK},
			}}
		}
		// A new input each time: the SDK sets the idempotency token on it,
		// and a token sent again with other items is refused.
		_, err := s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			for _, p := range puts {
				created[p.index] = true
			}
			return nil
		}
		var canceled *types.TransactionCanceledException
		if !errors.As(err, &canceled) || len(canceled.CancellationReasons) != len(puts) {
			return classify(err)
		}
		rest := make([]pendingPut, 0, len(puts))
		conflict := false
		// Reasons come in the order of the items.
		for i, reason := range canceled.CancellationReasons {
			switch aws.ToString(reason.Code) {
			case "ConditionalCheckFailed": // stored before: a duplicate
			case "None":
				rest = append(rest, puts[i])
			case "TransactionConflict":
				conflict = true
				rest = append(rest, puts[i])
			case "ValidationError":
				return fmt.Errorf("%w: %w", store.ErrRejected, err)
			default:
				return store.Unavailable(err)
			}
		}
		if conflict {
			conflicts++
			if conflicts > conflictRetries {
				return store.Unavailable(err)
			}
			if err := sleep(ctx, time.Duration(conflicts)*20*time.Millisecond); err != nil {
				return store.Unavailable(err)
			}
		} else if len(rest) == len(puts) {
			// Canceled for no reason given: running it again would loop.
			return store.Unavailable(err)
		}
		puts = rest
	}
	return nil
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
