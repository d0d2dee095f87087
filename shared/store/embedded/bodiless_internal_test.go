package embedded

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/store"
)

// Before store.WebhookItem wrote an empty body as "", a webhook without
// one was written {"B":null}. A store holding such items must open again
// (not be taken for damaged), and read and list them.
func TestAStoreHoldingANullBodyOpensReadsAndLists(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "payhook.db")
	s, err := Open(path, Options{})
	is.NoErr(err)
	item, err := store.WebhookItem(store.Webhook{Provider: "stripe", EventID: "evt_no_body", Status: store.StatusReceived, ReceivedAt: time.Now()})
	is.NoErr(err)
	item[store.AttrBody] = events.NewBinaryAttribute(nil) // as written before
	is.NoErr(s.commit(ctx, OpPutWebhook, write{item: item, check: func(store.Item) error { return nil }}))
	is.NoErr(s.Close())

	s, err = Open(path, Options{})
	is.NoErr(err)
	defer s.Close()
	got, err := s.GetWebhook(ctx, "stripe", "evt_no_body")
	is.NoErr(err)
	is.Equal(got.Body, nil)
	listed, err := s.ListWebhooks(ctx, store.WebhookFilter{})
	is.NoErr(err)
	is.Equal(len(listed), 1)
}
