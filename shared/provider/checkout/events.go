package checkout

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/api"
)

// The settings of Checkout.com's API, which the processor confirms
// deliveries with: an access key (OAuth client credentials) that may only
// read events.
const (
	AccessKeyID     = "PAYHOOK_CHECKOUT_ACCESS_KEY_ID"
	AccessKeySecret = "PAYHOOK_CHECKOUT_ACCESS_KEY_SECRET" //nolint:gosec // G101: a setting's name
	APIURL          = "PAYHOOK_CHECKOUT_API_URL"
	Sandbox         = "PAYHOOK_CHECKOUT_SANDBOX"
)

const (
	// tokenPath is the token endpoint's, on the access host.
	tokenPath = "/connect/token"
	// eventScope is the least an access key needs: "Retrieve events".
	eventScope = "flow:events"
)

// eventIDPattern is the shape the API takes an event id in.
var eventIDPattern = regexp.MustCompile(`^evt_[a-z0-9]{26}$`)

var hosts = provider.APIHosts{Live: "https://api.checkout.com", Sandbox: "https://api.sandbox.checkout.com"}

var eventAPI = &provider.EventAPI{
	Credentials: []string{AccessKeyID, AccessKeySecret},
	URL:         APIURL,
	Sandbox:     Sandbox,
	Confirms:    true,
	ConfirmOnly: true,
	New: func(keys provider.Keys, c provider.APIConfig) provider.EventSource {
		base := hosts.Base(keys, APIURL, keys.Enabled(Sandbox))
		return &events{base: base, api: &api.ClientCredentials{
			Client: c.Client(), TokenURL: accessURL(base) + tokenPath, ID: keys.Value(AccessKeyID), Secret: keys.Value(AccessKeySecret),
			Scope: eventScope, Name: "checkout",
		}}
	},
}

var apiSettings = []provider.Setting{
	{Name: AccessKeyID, Optional: true, Check: checkAccessKeyID,
		Help: "an access key id (ack_...) whose only scope is flow:events, for confirming each delivery with Checkout.com's API"},
	{Name: AccessKeySecret, Optional: true, Help: "that access key's secret"},
	{Name: APIURL, Optional: true, Check: provider.CheckAPIURL,
		Help: "Checkout.com's API, " + hosts.Live + " when unset (" + hosts.Sandbox + " with PAYHOOK_CHECKOUT_SANDBOX=true); its access host (api. read as access.) issues the tokens"},
	{Name: Sandbox, Optional: true, Check: provider.CheckBool,
		Help: "true for Checkout.com's sandbox API, false for the live one (the default)"},
}

// checkAccessKeyID refuses a secret key (sk_...): it can move money, and
// confirmation only reads events.
func checkAccessKeyID(s string) error {
	if !strings.HasPrefix(s, "ack_") || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return errors.New("must be an OAuth access key id (ack_...), whose key has only the flow:events scope: a secret key (sk_...) can move money")
	}
	return nil
}

// accessURL is the token endpoint's host for an API base URL: Checkout.com
// serves tokens on access.* beside api.* (api.sandbox.checkout.com beside
// access.sandbox.checkout.com; a merchant's prefix.api.checkout.com beside
// prefix.access.checkout.com). An API on this machine (a stand-in) serves
// both.
func accessURL(base string) string {
	u, err := url.Parse(base)
	if err != nil || net.ParseIP(u.Hostname()) != nil || u.Hostname() == "localhost" {
		return base
	}
	labels := strings.Split(u.Host, ".")
	for i, label := range labels {
		if label == "api" {
			labels[i] = "access"
			u.Host = strings.Join(labels, ".")
			u.Path = ""
			return strings.TrimRight(u.String(), "/")
		}
	}
	return base
}

// events reads Checkout.com's events by id, with an access token obtained
// for the flow:events scope and kept until shortly before it expires.
// Checkout.com lists no events by time: Events refuses.
type events struct {
	base string
	api  *api.ClientCredentials
}

// ErrNoListing: Checkout.com's API looks events up by id only.
var ErrNoListing = errors.New("checkout: Checkout.com's API lists no events by time; it confirms deliveries only")

func (e *events) Events(context.Context, time.Time, time.Time, func([]json.RawMessage) error) error {
	return ErrNoListing
}

// Confirm fetches the delivered event from Checkout.com
// (GET /workflows/events/{id}). Checkout.com's copy is what is processed;
// the delivery differs when its type, or any field payhook reads of its
// data (the payment, the action, the amount, the currency), is not
// Checkout.com's.
func (e *events) Confirm(ctx context.Context, body []byte) (provider.Confirmed, error) {
	var delivered event
	if err := decodeEvent(body, &delivered); err != nil || !eventIDPattern.MatchString(delivered.ID) {
		return provider.Confirmed{}, fmt.Errorf("%w: the delivery has no event id Checkout.com could know", provider.ErrNotConfirmed)
	}
	fetched, err := e.api.Get(ctx, e.base+"/workflows/events/"+url.PathEscape(delivered.ID))
	if errors.Is(err, api.ErrNotFound) {
		return provider.Confirmed{}, fmt.Errorf("%w: Checkout.com does not know event %s (is %s the webhook's account's?)", provider.ErrNotConfirmed, delivered.ID, AccessKeyID)
	}
	if err != nil {
		return provider.Confirmed{}, fmt.Errorf("checkout: get event: %w", err)
	}
	// An answer that is no event is the API's fault, for redrive; a
	// readable one about another event is a refusal.
	var known event
	if err := decodeEvent(fetched, &known); err != nil {
		return provider.Confirmed{}, fmt.Errorf("checkout: get event %s: an answer that is not an event", delivered.ID)
	}
	if known.ID != delivered.ID {
		return provider.Confirmed{}, fmt.Errorf("%w: Checkout.com's answer for event %s is about another event", provider.ErrNotConfirmed, delivered.ID)
	}
	differs := known.Type != delivered.Type || !reflect.DeepEqual(known.Data, delivered.Data)
	return provider.Confirmed{Body: fetched, Differs: differs}, nil
}

// event is what confirmation compares: the type and the data fields the
// normaliser reads. Numbers stay as written. Other fields of the data
// (the card, the customer, the processing details) are left out: the
// API's copy may carry more or fewer of them than the webhook, and none
// of them is applied.
type event struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Data struct {
		ID              string `json:"id"`
		PaymentID       string `json:"payment_id"`
		ActionID        string `json:"action_id"`
		PaymentActionID string `json:"payment_action_id"`
		Amount          any    `json:"amount"`
		Currency        string `json:"currency"`
	} `json:"data"`
}

func decodeEvent(b []byte, e *event) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(e)
}
