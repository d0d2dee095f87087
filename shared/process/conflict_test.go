package process_test

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/store/embedded"
)

// announcements records everything the processor publishes, whole.
type announcements []payment.Announcement

func (a *announcements) Publish(_ context.Context, x payment.Announcement) error {
	*a = append(*a, x)
	return nil
}

// racing is a table on which another processor (another shard's: a
// payment's webhooks hash to different shards) commits a webhook of the
// same payment just after this processor read the payment.
type racing struct {
	*embedded.Store
	other func()
}

func (r *racing) GetPayment(ctx context.Context, provider, paymentID string) (payment.State, error) {
	state, err := r.Store.GetPayment(ctx, provider, paymentID)
	if r.other != nil {
		other := r.other
		r.other = nil
		other()
	}
	return state, err
}

// TestAConflictingCommitsLastAnnouncementIsTheCommittedOne: when another
// webhook of the payment commits between this record's payment read and
// its commit, the announcement computed from the stale state is already
// out (announcing before the commit is what makes it at least once); the
// commit is refused, and the event is announced again from the new
// state. Of the copies with one webhook-id, the one with the highest
// payment_version is the committed one: what the README tells consumers.
func TestAConflictingCommitsLastAnnouncementIsTheCommittedOne(t *testing.T) {
	is := is.New(t)
	f := newFixture(t)
	ctx := context.Background()
	pub := &announcements{}
	table := &racing{Store: f.store}
	f.processor.Store, f.processor.Publisher = table, pub

	paid := f.received(t, "evt_paid", "payment_intent.succeeded", `{"id":"pi_1","object":"payment_intent","amount":2000,"amount_received":2000,"currency":"usd"}`)
	refund := f.received(t, "evt_refund", "charge.refunded", refund500)
	other := &process.Processor{Store: f.store, DLQ: f.dlq, Alerter: &alerts{}, Normalize: f.processor.Normalize, Log: f.processor.Log}
	table.other = func() {
		if _, err := other.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{refund}}); err != nil {
			t.Fatal(err)
		}
	}

	resp, err := f.processor.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{paid}})
	is.NoErr(err)
	is.Equal(len(resp.BatchItemFailures), 0)
	state, err := f.store.GetPayment(ctx, "stripe", "pi_1")
	is.NoErr(err)
	for _, a := range *pub {
		t.Logf("published %s: payment_status=%s payment_version=%d (committed: %s v%d)", a.EventID, a.PaymentStatus, a.PaymentVersion, state.Status, state.Version)
	}
	is.Equal(len(*pub), 2)
	highest := (*pub)[0]
	for _, a := range *pub {
		if a.PaymentVersion > highest.PaymentVersion {
			highest = a
		}
	}
	is.Equal(highest.PaymentVersion, state.Version)
	is.Equal(highest.PaymentStatus, state.Status)
}
