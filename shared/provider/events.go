package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider/api"
)

// EventAPI is a provider's API of recent events. Its credentials are
// optional settings of the provider: reconciliation runs only for a
// provider whose credentials are all set.
type EventAPI struct {
	// Credentials name the settings the API needs, all or none.
	Credentials []string
	// URL names the setting of the API's base URL, which has a default.
	URL string
	// Sandbox, when set, names the setting ("true" or "false") that sends
	// the default URL to the provider's test environment (Paddle,
	// GoCardless); PayPal's is PAYHOOK_PAYPAL_SANDBOX, APIConfig.Sandbox.
	Sandbox string
	// History is how far back the provider lists events.
	History time.Duration
	// Confirms is set when the source is a Confirmer: the processor then
	// reads the provider's keys for each delivery of it.
	Confirms bool
	// Amounts is set when the source is an Amounter: the processor then
	// reads the provider's keys for each of its events whose amount is
	// unknown.
	Amounts bool
	// ConfirmOnly is set when the API keeps no list of events by time
	// (Checkout.com's looks one up by id): its source only confirms
	// deliveries, and reconciliation never lists it.
	ConfirmOnly bool
	// CheckKeys, when set, refuses API settings that do not go together
	// (a sandbox key for the live API); errors name settings, never values.
	CheckKeys func(Keys) error
	// New returns a source reading the API with the credentials in keys.
	New func(keys Keys, c APIConfig) EventSource
}

// APIConfig is what every event source shares.
type APIConfig struct {
	HTTP *http.Client
	// Sandbox selects a provider's test environment where its default URL
	// depends on it (PayPal).
	Sandbox bool
	// MaxPages bounds the pages one listing reads; api.DefaultMaxPages
	// when zero.
	MaxPages int
}

// Client is the API client an event source sends its requests with.
func (c APIConfig) Client() api.Client {
	return api.Client{HTTP: c.HTTP, MaxPages: c.MaxPages}
}

// EventSource lists a provider's events.
type EventSource interface {
	// Events calls page with each page of the events created in [since,
	// until), in the API's order, each as the body a webhook delivery of it
	// carries. An error from page stops the listing and is returned.
	Events(ctx context.Context, since, until time.Time, page func([]json.RawMessage) error) error
}

// Confirmer is an event source that can fetch the provider's own record of
// one delivered event (PayPal, whose signature binds the body only by a
// CRC32): what is then processed, so nothing a forger added to the
// delivery is ever read.
type Confirmer interface {
	// Confirm returns the provider's copy of the event body carries, and
	// whether the delivery differed from it; an error wrapping
	// ErrNotConfirmed when the provider does not know the event, and any
	// other error when it could not be asked.
	Confirm(ctx context.Context, body []byte) (Confirmed, error)
}

// Confirmed is the provider's copy of a delivered event.
type Confirmed struct {
	Body []byte
	// Differs is set when the delivery's type or resource was not the
	// provider's: a forgery of a genuine event, or a corrupted delivery.
	Differs bool
}

// ErrNotConfirmed: the provider does not know the event, or the payment
// it is about.
var ErrNotConfirmed = errors.New("the provider does not confirm this event")

// Amounter is an event source that can read what its provider's events
// leave out (GoCardless's amounts) from the payment or refund itself.
type Amounter interface {
	// Amounts returns e with the amount and currency the provider holds
	// for what it is about: the payment, or for a refund event the refund.
	// e is returned as it is when its amount is known. An error wraps
	// ErrNotConfirmed when the provider does not know the payment or
	// refund; any other error means it could not be asked.
	Amounts(ctx context.Context, e payment.Event) (payment.Event, error)
}

// Reconcilable reports whether keys hold all of p's API credentials.
func (p Provider) Reconcilable(k Keys) bool {
	if p.Events == nil || len(p.Events.Credentials) == 0 {
		return false
	}
	for _, name := range p.Events.Credentials {
		if len(k[name]) == 0 {
			return false
		}
	}
	return true
}

// Lists reports whether p's API lists its events, so that reconciliation
// can read them.
func (p Provider) Lists() bool {
	return p.Events != nil && !p.Events.ConfirmOnly
}

// APISettings names the settings of p's event API: its credentials, its
// URL and its sandbox switch.
func (p Provider) APISettings() []string {
	if p.Events == nil {
		return nil
	}
	settings := append(append([]string(nil), p.Events.Credentials...), p.Events.URL)
	if p.Events.Sandbox != "" {
		settings = append(settings, p.Events.Sandbox)
	}
	return settings
}

// CheckCredentials refuses API credentials set in part.
func (p Provider) CheckCredentials(k Keys) error {
	if p.Events == nil {
		return nil
	}
	var set, missing []string
	for _, name := range p.Events.Credentials {
		if len(k[name]) > 0 {
			set = append(set, name)
		} else {
			missing = append(missing, name)
		}
	}
	if len(set) > 0 && len(missing) > 0 {
		return fmt.Errorf("%s is set but %s is not: %s's API needs both", strings.Join(set, ", "), strings.Join(missing, ", "), p.Title)
	}
	if p.Events.CheckKeys != nil {
		return p.Events.CheckKeys(k)
	}
	return nil
}

// CheckBool refuses a switch that is neither true nor false.
func CheckBool(s string) error {
	if _, err := strconv.ParseBool(s); err != nil {
		return errors.New("must be true or false")
	}
	return nil
}

// Enabled reports whether the named switch is set true.
func (k Keys) Enabled(name string) bool {
	on, _ := strconv.ParseBool(k.Value(name))
	return on
}

// CheckAPIURL refuses an API base URL credentials must not be sent to:
// anything but https, except plain http to this machine (a local stand-in).
func CheckAPIURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("must be an absolute URL with a host and nothing after the path")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if host := u.Hostname(); host == "localhost" || net.ParseIP(host).IsLoopback() {
			return nil
		}
		return errors.New("must be https (plain http only to localhost)")
	}
	return errors.New("must be an https URL")
}

// ReadsAmounts says whether the API completes the events whose amount
// the provider leaves out (its source is an Amounter); a nil one does not.
func (e *EventAPI) ReadsAmounts() bool { return e != nil && e.Amounts }

// APIHosts are a provider's live and sandbox API base URLs.
type APIHosts struct{ Live, Sandbox string }

// Base is the base URL to call: the setting's value when set, else the
// sandbox's or the live one's.
func (h APIHosts) Base(k Keys, setting string, sandbox bool) string {
	if sandbox {
		return APIURL(k, setting, h.Sandbox)
	}
	return APIURL(k, setting, h.Live)
}

// APIURL is the base URL to call: the setting's value when set, else
// fallback, without a trailing slash.
func APIURL(k Keys, setting, fallback string) string {
	if v := k.Value(setting); v != "" {
		return strings.TrimRight(v, "/")
	}
	return fallback
}
