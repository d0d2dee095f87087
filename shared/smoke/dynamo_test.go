//go:build !sandbox

package smoke_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/smoke"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/dynamo"
)

// TestDynamoTable follows and removes a webhook on DynamoDB Local, as
// payhook smoke does on a deployment's table.
func TestDynamoTable(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	client := testenv.DynamoDB(t)
	name := testenv.UniqueName(t)
	is.NoErr(dynamo.CreateTable(ctx, client, name))
	id := smoke.EventIDPrefix + "1"
	_, err := dynamo.New(client, name).PutWebhook(ctx, store.Webhook{Provider: "square", EventID: id, EventType: smoke.EventType, Body: []byte(`{}`),
		Status: store.StatusReceived, ReceivedAt: time.Now().UTC(), ExpiresAt: time.Now().Add(time.Hour)})
	is.NoErr(err)
	table := smoke.DynamoTable{Client: client, Name: name}

	status, err := table.Status(ctx, "square", id)
	is.NoErr(err)
	is.Equal(status, store.StatusReceived)

	is.NoErr(table.Remove(ctx, "square", id))
	_, err = table.Status(ctx, "square", id)
	is.True(errors.Is(err, store.ErrNotFound))

	is.True(table.Remove(ctx, "square", "evt_a_real_payment") != nil) // never another webhook
}
