package forward

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/store"
)

// OutboxResender queues an operator's resend in the local outbox, where
// serve's dispatcher delivers it like any message.
type OutboxResender struct {
	Outbox store.Outbox
	// Destinations are serve's when it runs; otherwise the destinations
	// the outbox knows, whose event types are not known: each is sent
	// whatever it wants.
	Destinations []Destination
	Clock        func() time.Time
}

// Resend queues a's message, with its id unchanged, for destination or
// every destination that wants its type.
func (r OutboxResender) Resend(ctx context.Context, a payment.Announcement, destination string) ([]string, error) {
	var to []Destination
	for _, d := range r.Destinations {
		if (destination == "" && d.Wants(a.Type)) || d.Name == destination {
			to = append(to, d)
		}
	}
	if destination != "" && len(to) == 0 {
		return nil, fmt.Errorf("destination %q: none such; known: %s", destination, strings.Join(r.names(), ", "))
	}
	at := time.Now()
	if r.Clock != nil {
		at = r.Clock()
	}
	forwards, err := Enqueue(to)(a, at)
	if err != nil || len(forwards) == 0 {
		return nil, err
	}
	if err := r.Outbox.QueueForwards(ctx, forwards); err != nil {
		return nil, err
	}
	names := make([]string, len(forwards))
	for i, f := range forwards {
		names[i] = f.Destination
	}
	return names, nil
}

func (r OutboxResender) names() []string {
	names := make([]string, len(r.Destinations))
	for i, d := range r.Destinations {
		names[i] = d.Name
	}
	if len(names) == 0 {
		return []string{"(none: serve with --forward-to URL first)"}
	}
	return names
}
