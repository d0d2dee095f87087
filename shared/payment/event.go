// Package payment is payhook's domain: the canonical payment event every
// provider's webhook becomes, the mapping from each provider's event types,
// and the per-payment state with its ordering guard. It is pure: no I/O.
package payment

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
)

// Type is a canonical event type.
type Type string

const (
	Succeeded         Type = "payment.succeeded"
	Failed            Type = "payment.failed"
	Pending           Type = "payment.pending"
	Canceled          Type = "payment.canceled"
	Refunded          Type = "payment.refunded"
	PartiallyRefunded Type = "payment.partially_refunded"
	// RefundUpdated is a refund that moved no money (yet): pending, or
	// failed or canceled after all. RefundStatus says which.
	RefundUpdated Type = "refund.updated"
	DisputeOpened Type = "dispute.opened"
	// DisputeUpdated changes an open dispute's details; it never opens a
	// closed one.
	DisputeUpdated Type = "dispute.updated"
	DisputeClosed  Type = "dispute.closed"
	Other          Type = "other"
)

// RefundStatus is where one refund stands.
type RefundStatus string

const (
	RefundPending   RefundStatus = "pending"
	RefundSucceeded RefundStatus = "succeeded"
	// RefundFailed covers failed, rejected and canceled refunds: no money
	// went back.
	RefundFailed RefundStatus = "failed"
)

// Dispute outcomes, on a dispute.closed event that says.
const (
	DisputeWon  = "won"
	DisputeLost = "lost"
)

// Event is one provider event in canonical form.
type Event struct {
	// Provider is the provider the webhook was stored under: a provider's
	// name, or "standard:<sender>" for a named Standard Webhooks sender.
	Provider     string `json:"provider" validate:"provider"`
	EventID      string `json:"event_id" validate:"required,max=512"`
	Type         Type   `json:"type" validate:"oneof=payment.succeeded payment.failed payment.pending payment.canceled payment.refunded payment.partially_refunded refund.updated dispute.opened dispute.updated dispute.closed other"`
	ProviderType string `json:"provider_type" validate:"required,max=256"`
	// PaymentID is the provider's id of the payment the event is about: what
	// its state is keyed by. Only `other` events may lack one.
	PaymentID string `json:"payment_id,omitempty" validate:"required_unless=Type other,max=512"`
	// AmountMinor is in the currency's minor unit (cents; yen for JPY): the
	// payment's amount; for a refund the refund's (RefundedTotal says the
	// provider gave the running total of refunds instead); for a dispute
	// the disputed amount.
	AmountMinor int64 `json:"amount_minor" validate:"min=0"`
	// AmountUnknown says the provider did not state the amount (GoCardless's
	// webhooks carry none): AmountMinor is then 0 and means nothing, and
	// whoever shows the event shows "unknown".
	AmountUnknown bool `json:"amount_unknown,omitempty"`
	RefundedTotal bool `json:"refunded_total,omitempty"`
	// RefundID names the refund a refund event is about, where the provider
	// identifies refunds: each refund counts once, whatever the number of
	// events about it. Empty means the event is its own refund.
	RefundID string `json:"refund_id,omitempty" validate:"max=512"`
	// CaptureID names the capture a succeeded event reports, where a
	// provider captures a payment in parts (Checkout.com's action, Adyen's
	// CAPTURE): each capture counts once, and the payment's amount is
	// their sum.
	CaptureID    string       `json:"capture_id,omitempty" validate:"max=512"`
	RefundStatus RefundStatus `json:"refund_status,omitempty" validate:"omitempty,oneof=pending succeeded failed"`
	// DisputeStatus is the provider's word for where a dispute stands
	// (needs_response, UNDER_REVIEW, ...); DisputeOutcome is won or lost
	// on a close that says.
	DisputeStatus  string    `json:"dispute_status,omitempty" validate:"max=64"`
	DisputeOutcome string    `json:"dispute_outcome,omitempty" validate:"omitempty,oneof=won lost"`
	Currency       string    `json:"currency,omitempty" validate:"omitempty,len=3,alpha,uppercase"`
	OccurredAt     time.Time `json:"occurred_at" validate:"required"`
}

// Announcement is an applied event and where it left its payment: what
// payhook tells the outside world (EventBridge, forwarded messages), so
// that an event which changed the payment without moving its status (a
// late success that only records an amount) is not taken for one that did.
type Announcement struct {
	Event
	// PaymentStatus and PaymentVersion are the payment's, after the event.
	PaymentStatus  Status `json:"payment_status,omitempty"`
	PaymentVersion int64  `json:"payment_version,omitempty"`
}

// IsRefund tells the events about a refund.
func (e Event) IsRefund() bool {
	return e.Type == Refunded || e.Type == PartiallyRefunded || e.Type == RefundUpdated
}

// IsDispute tells the events about a dispute.
func (e Event) IsDispute() bool {
	return e.Type == DisputeOpened || e.Type == DisputeUpdated || e.Type == DisputeClosed
}

// Critical reports whether the type is in the set that raises an alert.
func (e Event) Critical(critical []Type) bool {
	for _, t := range critical {
		if e.Type == t {
			return true
		}
	}
	return false
}

// providerName is a stored provider name: a provider's, or a Standard
// Webhooks sender's "standard:<sender>".
var providerName = regexp.MustCompile(`^[a-z][a-z0-9]{0,31}(:[a-z0-9][a-z0-9_-]{0,31})?$`)

var validate = func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	err := v.RegisterValidation("provider", func(fl validator.FieldLevel) bool {
		return providerName.MatchString(fl.Field().String())
	})
	if err != nil {
		panic(err) // a programming error: the tag name is fixed
	}
	// Errors name the field as the event's JSON does (amount_minor).
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		return name
	})
	return v
}()

// IsProviderName tells a stored provider name: a provider's, or
// "standard:<sender>".
func IsProviderName(name string) bool { return providerName.MatchString(name) }

// Family is the provider a stored provider name belongs to: "standard" for
// "standard:acme", the name itself otherwise.
func Family(provider string) string {
	family, _, _ := strings.Cut(provider, ":")
	return family
}

// ErrUnprocessable marks a webhook whose payload cannot become a valid
// canonical event. Retrying the same bytes cannot help: it is permanent.
var ErrUnprocessable = errors.New("unprocessable payload")

// Validate checks the event against the canonical rules.
func (e Event) Validate() error {
	if e.AmountUnknown && e.AmountMinor != 0 {
		return fmt.Errorf("%w: an amount both stated and unknown", ErrUnprocessable)
	}
	if err := validate.Struct(e); err != nil {
		var invalid validator.ValidationErrors
		if errors.As(err, &invalid) {
			return fmt.Errorf("%w: %s", ErrUnprocessable, sentence(invalid[0]))
		}
		return fmt.Errorf("%w: %w", ErrUnprocessable, err)
	}
	return nil
}

// Types lists every canonical type.
var Types = []Type{Succeeded, Failed, Pending, Canceled, Refunded, PartiallyRefunded, RefundUpdated, DisputeOpened, DisputeUpdated, DisputeClosed, Other}

// ParseTypes reads a comma-separated list of canonical types, for the
// settings and flags that name some (alerts, forwarding).
func ParseTypes(list string) ([]Type, error) {
	var types []Type
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !slices.Contains(Types, Type(name)) {
			return nil, fmt.Errorf("%q is not a canonical event type (%s)", name, typeNames())
		}
		types = append(types, Type(name))
	}
	return types, nil
}

func typeNames() string {
	names := make([]string, len(Types))
	for i, t := range Types {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// sentence says what is wrong with a field, and what it must be, in words
// an operator can act on: the field and the rule only, never the value,
// which is payload data.
func sentence(fe validator.FieldError) string {
	field := fe.Field()
	switch fe.Tag() {
	case "required", "required_unless":
		return fmt.Sprintf("the event states no %s, which it needs", field)
	case "max":
		return fmt.Sprintf("%s is longer than %s characters", field, fe.Param())
	case "min":
		return fmt.Sprintf("%s is negative", field)
	case "oneof":
		return fmt.Sprintf("%s is not one of %s", field, strings.ReplaceAll(fe.Param(), " ", ", "))
	case "len", "alpha", "uppercase":
		return fmt.Sprintf("%s is not a three-letter ISO 4217 code in capitals, such as EUR", field)
	case "provider":
		return fmt.Sprintf("%s is not a provider's name", field)
	}
	return fmt.Sprintf("%s breaks the rule %s", field, fe.Tag())
}
