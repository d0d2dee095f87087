package dynamo

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/payhook/payhook/shared/store"
)

// The table's global secondary indexes, as tofu/modules/webhook-pipeline
// declares them: webhooks by status, and by the payment they are about,
// each newest first by received_at. Both are keyed on attributes every
// webhook already had, so DynamoDB fills them from the items stored before
// they existed; payments and bindings lack one of the keys and stay out.
const (
	IndexByStatus  = "by-status"
	IndexByPayment = "by-payment"
)

// IndexedAttributes are what both indexes hold beside their keys: what a
// listing shows, never a body or a signature. Each also holds the other's
// hash key (status, payment_key), which is no key of its own.
var IndexedAttributes = []string{
	store.AttrProvider, store.AttrEventID, store.AttrEventType, store.AttrOccurredAt, store.AttrAttempts, store.AttrLastError,
	store.AttrOutcome, store.AttrOutcomeReason, store.AttrSource, store.AttrChange, store.AttrUpdatedBy,
	store.AttrUpdatedAt, store.AttrExpiresAt,
}

// statuses are the partitions of the status index: a listing of every
// status merges them.
var statuses = []store.Status{store.StatusReceived, store.StatusProcessed, store.StatusFailed, store.StatusRetry}

// QueryWebhooks queries one partition of an index (a status, or a
// payment), or merges the four status partitions, newest first. Each
// partition is read a page at a time and only as far as the merge needs,
// so a page costs at most MaxRead webhooks and a page of each partition.
// Index reads are eventually consistent: a webhook written a moment ago
// may not be listed yet.
func (s *Store) QueryWebhooks(ctx context.Context, q store.WebhookQuery) (store.WebhookPage, error) {
	q = q.Bounded()
	after, continues, err := store.ParseCursor(q.After)
	if err != nil {
		return store.WebhookPage{}, err
	}
	lo, upper := store.ReceivedRange(q.Since, q.Until)
	if continues && (upper == "" || after.ReceivedAt < upper) {
		upper = after.ReceivedAt // inclusive: the webhooks received with it that come after it
	}
	if lo != "" && upper != "" && lo > upper {
		return store.WebhookPage{}, nil
	}
	pageSize := int32(min(q.MaxRead, 2*q.Limit+10)) //nolint:gosec // G115: bounded by MaxQueryLimit
	var partitions []*partition
	add := func(index, hashAttr, hash string) {
		p := &partition{s: s, pageSize: pageSize, index: index, hashAttr: hashAttr, hash: hash, lo: lo, upper: upper}
		if continues {
			p.after = &after
		}
		partitions = append(partitions, p)
	}
	switch {
	case q.PaymentKey != "":
		add(IndexByPayment, store.AttrPaymentKey, q.PaymentKey)
	case q.Status != "":
		add(IndexByStatus, store.AttrStatus, string(q.Status))
	default:
		for _, status := range statuses {
			add(IndexByStatus, store.AttrStatus, string(status))
		}
	}
	var page store.WebhookPage
	var last store.Position
	for read := 0; ; read++ {
		next, err := first(ctx, partitions)
		if err != nil || next == nil {
			return page, err
		}
		if read == q.MaxRead || len(page.Webhooks) == q.Limit {
			page.Next = last.Cursor()
			return page, nil
		}
		w := next.pop()
		last = store.PositionOf(w)
		if q.Matches(w) {
			page.Webhooks = append(page.Webhooks, w)
		}
	}
}

// first is the partition whose next webhook comes first, nil when all
// are read.
func first(ctx context.Context, partitions []*partition) (*partition, error) {
	var best *partition
	var bestAt store.Position
	for _, p := range partitions {
		w, ok, err := p.head(ctx)
		if err != nil {
			return nil, err
		}
		if at := store.PositionOf(w); ok && (best == nil || at.Before(bestAt)) {
			best, bestAt = p, at
		}
	}
	return best, nil
}

// partition reads one partition of an index newest first.
type partition struct {
	s                     *Store
	pageSize              int32
	index, hashAttr, hash string
	lo, upper             string
	after                 *store.Position
	buffered              []store.Webhook
	done                  bool
	exclusiveStartKey     map[string]types.AttributeValue
}

// head is the partition's next webhook in listing order. DynamoDB orders
// webhooks received at the same moment (a batch's) its own way, so every
// one received with the head is read before the head is chosen, and they
// are put in listing order.
func (p *partition) head(ctx context.Context) (store.Webhook, bool, error) {
	for !p.done && (len(p.buffered) == 0 || p.buffered[0].ReceivedAt.Equal(p.buffered[len(p.buffered)-1].ReceivedAt)) {
		if err := p.read(ctx); err != nil {
			return store.Webhook{}, false, err
		}
	}
	if len(p.buffered) == 0 {
		return store.Webhook{}, false, nil
	}
	return p.buffered[0], true, nil
}

func (p *partition) pop() store.Webhook {
	w := p.buffered[0]
	p.buffered = p.buffered[1:]
	return w
}

// read adds the next page of the partition to the buffer.
func (p *partition) read(ctx context.Context) error {
	condition := "#h = :h"
	values := map[string]types.AttributeValue{":h": &types.AttributeValueMemberS{Value: p.hash}}
	switch {
	case p.lo != "" && p.upper != "":
		condition += " AND #r BETWEEN :lo AND :upper"
	case p.lo != "":
		condition += " AND #r >= :lo"
	case p.upper != "":
		condition += " AND #r <= :upper"
	}
	if p.lo != "" {
		values[":lo"] = &types.AttributeValueMemberS{Value: p.lo}
	}
	if p.upper != "" {
		values[":upper"] = &types.AttributeValueMemberS{Value: p.upper}
	}
	names := map[string]string{"#h": p.hashAttr}
	if p.lo != "" || p.upper != "" {
		names["#r"] = store.AttrReceivedAt
	}
	out, err := p.s.client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(p.s.table),
		IndexName:                 aws.String(p.index),
		KeyConditionExpression:    aws.String(condition),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(p.pageSize),
		ExclusiveStartKey:         p.exclusiveStartKey,
	})
	if err != nil {
		return store.Unavailable(err)
	}
	p.exclusiveStartKey = out.LastEvaluatedKey
	p.done = len(out.LastEvaluatedKey) == 0
	for _, raw := range out.Items {
		item, err := ItemFromSDK(raw)
		if err != nil {
			return err
		}
		w, err := store.DecodeWebhook(item)
		if err != nil {
			return err
		}
		if p.after != nil && !p.after.Before(store.PositionOf(w)) {
			continue // listed on an earlier page
		}
		p.buffered = append(p.buffered, w)
	}
	slices.SortStableFunc(p.buffered, func(a, b store.Webhook) int {
		switch at, bt := store.PositionOf(a), store.PositionOf(b); {
		case at.Before(bt):
			return -1
		case bt.Before(at):
			return 1
		}
		return 0
	})
	return nil
}
