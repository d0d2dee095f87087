//go:build !sandbox

// Excluded from Nix's sandbox: the flake's source holds the Go tree only, not
// tofu/.

package ingest_test

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/store"
)

// keyRecorder records the partition key of every item the receiver writes,
// as the DynamoDB store keys them (store.WebhookKey, store.TransmissionKey).
type keyRecorder struct {
	*countingStore
	mu   sync.Mutex
	keys []string
}

func (k *keyRecorder) record(pk string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys = append(k.keys, pk)
}

func (k *keyRecorder) PutWebhook(ctx context.Context, w store.Webhook) (bool, error) {
	pk, _ := store.WebhookKey(w.Provider, w.EventID)
	k.record(pk)
	return k.countingStore.PutWebhook(ctx, w)
}

func (k *keyRecorder) PutWebhooks(ctx context.Context, ws []store.Webhook) ([]bool, error) {
	for _, w := range ws {
		pk, _ := store.WebhookKey(w.Provider, w.EventID)
		k.record(pk)
	}
	return k.countingStore.PutWebhooks(ctx, ws)
}

func (k *keyRecorder) BindTransmission(ctx context.Context, b store.Binding) (bool, error) {
	pk, _ := store.TransmissionKey(b.Provider, b.Transmission)
	k.record(pk)
	return k.countingStore.BindTransmission(ctx, b)
}

// Issue 23, item 5: on AWS the receiver may put items only under the
// partition keys the pipeline grants it (dynamodb:LeadingKeys, functions.tf's
// receiver_keys). Every kind of delivery, a PayPal transmission's binding
// and a batch among them, must write under those keys and no other, or the
// deployed receiver would be refused.
func TestTheReceiverWritesOnlyUnderTheKeysItIsGranted(t *testing.T) {
	is := is.New(t)
	functions, err := os.ReadFile("../../tofu/modules/webhook-pipeline/functions.tf")
	is.NoErr(err)
	granted := regexp.MustCompile(`receiver_keys = \[([^\]]*)\]`).FindSubmatch(functions)
	is.True(granted != nil) // functions.tf names the receiver's keys
	var patterns []*regexp.Regexp
	for _, glob := range regexp.MustCompile(`"([^"]+)"`).FindAllSubmatch(granted[1], -1) {
		patterns = append(patterns, regexp.MustCompile("^"+strings.ReplaceAll(regexp.QuoteMeta(string(glob[1])), `\*`, ".*")+"$"))
	}
	is.Equal(len(patterns), 2) // WEBHOOK#*, TRANSMISSION#*

	h := newHarness(t, nil)
	recorder := &keyRecorder{countingStore: h.store}
	h.receiver.Store = recorder
	for name, body := range bodies {
		is.Equal(h.receiver.Handle(context.Background(), h.signed(t, name, body, h.now)).Status, http.StatusOK)
	}
	is.Equal(h.receiver.Handle(context.Background(), h.batch(t, "gocardless", "events", "EVKEYS1", "EVKEYS2")).Status, http.StatusOK)

	kinds := map[string]bool{}
	for _, pk := range recorder.keys {
		kinds[strings.SplitN(pk, "#", 2)[0]] = true
		matched := false
		for _, p := range patterns {
			matched = matched || p.MatchString(pk)
		}
		if !matched {
			t.Errorf("the receiver writes %q, outside the keys functions.tf grants it", pk)
		}
	}
	is.Equal(kinds, map[string]bool{"WEBHOOK": true, "TRANSMISSION": true}) // both kinds were written
}
