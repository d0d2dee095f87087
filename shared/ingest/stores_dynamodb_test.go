//go:build !sandbox

package ingest_test

import (
	"context"
	"testing"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/dynamo"
)

func init() {
	stores = append(stores, storeBackend{"dynamodb", func(t *testing.T) store.Webhooks {
		client := testenv.DynamoDB(t)
		table := testenv.UniqueName(t)
		if err := dynamo.CreateTable(context.Background(), client, table); err != nil {
			t.Fatal(err)
		}
		return dynamo.New(client, table)
	}})
}
