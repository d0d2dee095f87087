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
	st, w, state := receivedPayment(t)
	ctx, at := context.Background(), w.ReceivedAt
	var err error
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

// An operator reads what became of each message of a webhook: every
// attempt's answer, delivered or dead, resent; the records go with the
// webhook.
func TestForwardRecordsFollowEachMessage(t *testing.T) {
	is := is.New(t)
	st, w, state := receivedPayment(t)
	ctx, at := context.Background(), w.ReceivedAt
	var err error
	queued := func(destination string) store.Forward {
		return store.Forward{Destination: destination, MessageID: "msg_1", EventType: "payment.succeeded", PaymentKey: "stripe/pi_1", Body: []byte("{}"), QueuedAt: at, Provider: "stripe", EventID: "evt_1"}
	}
	is.NoErr(st.CommitProcessed(ctx, store.Commit{Webhook: w, Payment: &state, Verdict: payment.Verdict{Outcome: payment.Applied},
		Forwards: []store.Forward{queued("http://a.test/"), queued("http://b.test/")}, At: at}))

	a, err := st.PendingForwards(ctx, "http://a.test/", 0, 10)
	is.NoErr(err)
	failed := a[0]
	failed.Attempts, failed.LastStatus, failed.LastError = 1, 503, "answered 503"
	is.NoErr(st.ForwardFailed(ctx, failed, at.Add(time.Second)))
	failed.LastStatus, failed.LastError = 204, ""
	is.NoErr(st.ForwardDelivered(ctx, failed, at.Add(2*time.Second)))
	b, err := st.PendingForwards(ctx, "http://b.test/", 0, 10)
	is.NoErr(err)
	dead := b[0]
	dead.Attempts, dead.LastStatus, dead.LastError = 1, 410, "answered 410"
	is.NoErr(st.DeadLetterForward(ctx, dead, at.Add(time.Second)))

	records, err := st.ForwardRecords(ctx, "stripe", "evt_1")
	is.NoErr(err)
	is.Equal(len(records), 2)
	is.Equal(records[0].State, store.ForwardDelivered)
	is.Equal(records[0].Attempts, 2)
	is.Equal(records[0].Tries[0].Status, 503)
	is.Equal(records[0].Tries[0].Error, "answered 503")
	is.Equal(records[0].Tries[1].Status, 204)
	is.Equal(records[1].State, store.ForwardDead)
	is.Equal(records[1].LastError, "answered 410")

	resend := queued("http://a.test/")
	is.NoErr(st.QueueForwards(ctx, []store.Forward{resend}))
	records, err = st.ForwardRecords(ctx, "stripe", "evt_1")
	is.NoErr(err)
	is.Equal(records[0].State, store.ForwardQueued)
	is.Equal(records[0].Resent, 1)
	is.Equal(records[0].Attempts, 2) // the history stays
	pending, err := st.PendingForwards(ctx, "http://a.test/", 0, 10)
	is.NoErr(err)
	is.Equal(len(pending), 1)
	is.Equal(pending[0].MessageID, "msg_1") // the same message: consumers deduplicate on it

	is.NoErr(st.DeleteWebhook(ctx, "stripe", "evt_1"))
	records, err = st.ForwardRecords(ctx, "stripe", "evt_1")
	is.NoErr(err)
	is.Equal(len(records), 0)
}

// receivedPayment is a store holding one webhook RECEIVED, and the state
// of the payment it makes.
func receivedPayment(t *testing.T) (*embedded.Store, store.Webhook, payment.State) {
	t.Helper()
	st, err := embedded.Open(filepath.Join(t.TempDir(), "payhook.db"), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	at := time.Now().UTC()
	w := store.Webhook{Provider: "stripe", EventID: "evt_1", EventType: "payment_intent.succeeded", ReceivedAt: at, Body: []byte("{}"), Status: store.StatusReceived, ExpiresAt: at.Add(time.Hour)}
	if _, err := st.PutWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return st, w, payment.State{Provider: "stripe", PaymentID: "pi_1", Status: payment.StatusSucceeded, Version: 1}
}
