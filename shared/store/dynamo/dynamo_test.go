package dynamo_test

import (
	"context"
	"testing"

	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/dynamo"
	"github.com/payhook/payhook/shared/store/storetest"
	"github.com/payhook/payhook/shared/testenv"
)

// TestContract runs against AWS's DynamoDB Local, started by testenv.
func TestContract(t *testing.T) {
	client := testenv.DynamoDB(t)
	storetest.Run(t, func(t *testing.T) store.Webhooks {
		table := testenv.UniqueName(t)
		if err := dynamo.CreateTable(context.Background(), client, table); err != nil {
			t.Fatal(err)
		}
		return dynamo.New(client, table)
	})
}
