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

// mappers turn each provider's payloads into canonical events.
var mappers = map[string]func(Delivery) (Event, error){
	"stripe": normalizeStripe, "paypal": normalizePayPal, "square": normalizeSquare, "standard": normalizeStandard,
}

// Normalize turns a verified delivery into a valid canonical event. Types a
// mapping does not know become Other and are still recorded. An error wraps
// ErrUnprocessable: the payload itself is wrong, and retrying cannot help.
func Normalize(d Delivery) (Event, error) {
	mapper, ok := mappers[Family(d.Provider)]
	if !ok {
		return Event{}, fmt.Errorf("%w: unknown provider", ErrUnprocessable)
	}
	e, err := mapper(d)
	if err != nil {
		return Event{}, err
	}
	e.Provider, e.EventID, e.ProviderType, e.OccurredAt = d.Provider, d.EventID, d.EventType, d.OccurredAt
	e.Currency = strings.ToUpper(e.Currency)
	if err := e.Validate(); err != nil {
		return Event{}, err
	}
	return e, nil
}

func decode(body []byte, into any) error {
	if err := json.Unmarshal(body, into); err != nil {
		// json's message can quote payload bytes; keep only the kind of fault.
		return fmt.Errorf("%w: body does not match the provider's event shape", ErrUnprocessable)
	}
	return nil
}
