package payment

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Delivery is what normalization needs of a stored webhook.
type Delivery struct {
	Provider  string
	EventID   string
	EventType string
	Body      []byte
	// OccurredAt is when the provider says the event happened, or else when
	// payhook received it: the ordering guard needs a time.
	OccurredAt time.Time
}

// Complete finishes an event a provider's mapping returned: the envelope's
// fields from d, the currency in upper case, and the canonical rules
// checked. An error wraps ErrUnprocessable: the payload itself is wrong, and
// retrying cannot help.
func Complete(e Event, d Delivery) (Event, error) {
	e.Provider, e.EventID, e.ProviderType, e.OccurredAt = d.Provider, d.EventID, d.EventType, d.OccurredAt
	e.Currency = strings.ToUpper(e.Currency)
	if err := e.Validate(); err != nil {
		return Event{}, err
	}
	return e, nil
}

// Decode unmarshals a payload for a mapping. The error never quotes the
// payload: json's message can.
func Decode(body []byte, into any) error {
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("%w: body does not match the provider's event shape", ErrUnprocessable)
	}
	return nil
}
