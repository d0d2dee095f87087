package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/payhook/payhook/shared/store"
)

func (s *Store) Checkpoint(ctx context.Context, provider string) (store.Checkpoint, error) {
	pk, sk := store.CheckpointKey(provider)
	item, err := s.get(ctx, pk, sk)
	if err != nil {
		return store.Checkpoint{}, err
	}
	return store.DecodeCheckpoint(item)
}

func (s *Store) SaveCheckpoint(ctx context.Context, c store.Checkpoint) error {
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: toSDKItem(store.CheckpointItem(c))})
	if err != nil {
		return classify(err)
	}
	return nil
}
