package embedded_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/embedded"
)

// A processor batch carries on past a failed commit (it retries that
// record later); when the payment and the webhook were written but their
// forwards could not be, the whole transaction must roll back, or the
// retry finds the webhook PROCESSED and the forward is never queued.
func TestAPaymentIsNeverCommittedWithoutItsForwards(t *testing.T) {
	is := is.New(t)
	st, err := embedded.Open(filepath.Join(t.TempDir(), "payhook.db"), embedded.Options{NoSync: true})
	is.NoErr(err)
	defer st.Close()
	ctx := context.Background()
	at := time.Now().UTC()
	w := store.Webhook{Provider: "stripe", EventID: "evt_1", EventType: "payment_intent.succeeded", ReceivedAt: at, Body: []byte("{}"), Status: store.StatusReceived, ExpiresAt: at.Add(time.Hour)}
	_, err = st.PutWebhook(ctx, w)
	is.NoErr(err)
	state := payment.State{Provider: "stripe", PaymentID: "pi_1", Status: payment.StatusSucceeded, Version: 1}
	// A key bbolt refuses: the queueing fails after the table's writes.
	unqueueable := store.Forward{Destination: strings.Repeat("d", 40<<10), MessageID: "msg_1", Body: []byte("{}"), QueuedAt: at}
	err = st.InTransaction(ctx, "processor", func(p store.Processing, _ deadletter.Queue) error {
		commitErr := p.CommitProcessed(ctx, store.Commit{Webhook: w, Payment: &state, Verdict: payment.Verdict{Outcome: payment.Applied}, Forwards: []store.Forward{unqueueable}, At: at})
		is.True(commitErr != nil)
		return nil // as the processor does: this record is retried later
	})
	is.True(errors.Is(err, store.ErrUnavailable))
	got, err := st.GetWebhook(ctx, "stripe", "evt_1")
	is.NoErr(err)
	is.Equal(got.Status, store.StatusReceived) // rolled back: processed again later
	_, err = st.GetPayment(ctx, "stripe", "pi_1")
	is.True(errors.Is(err, store.ErrNotFound))
}
