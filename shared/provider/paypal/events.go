package paypal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"time"

	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/api"
)

// The settings of PayPal's REST API, which reconciliation lists events
// from and the processor confirms deliveries with: a REST app's client
// credentials.
const (
	ClientID     = "PAYHOOK_PAYPAL_CLIENT_ID"
	ClientSecret = "PAYHOOK_PAYPAL_CLIENT_SECRET" //nolint:gosec // G101: a setting's name
	APIURL       = "PAYHOOK_PAYPAL_API_URL"
)

const (
	// pageSize is how many events one page asks for.
	pageSize = 50
)

var hosts = provider.APIHosts{Live: "https://api-m.paypal.com", Sandbox: "https://api-m.sandbox.paypal.com"}

var eventAPI = &provider.EventAPI{
	Credentials: []string{ClientID, ClientSecret},
	Confirms:    true,
	URL:         APIURL,
	// PayPal keeps webhook events for at least the 30 days its dashboard
	// shows; reconciliation never looks back further than that.
	History: 30 * 24 * time.Hour,
	New: func(keys provider.Keys, c provider.APIConfig) provider.EventSource {
		base := hosts.Base(keys, APIURL, c.Sandbox)
		return &events{client: c.Client(), base: base, api: &api.ClientCredentials{
			Client: c.Client(), TokenURL: base + "/v1/oauth2/token", ID: keys.Value(ClientID), Secret: keys.Value(ClientSecret), Name: "paypal",
		}}
	},
}

var apiSettings = []provider.Setting{
	{Name: ClientID, Optional: true, Help: "a REST app's client id, for reconciliation and confirming deliveries"},
	{Name: ClientSecret, Optional: true, Help: "that REST app's client secret"},
	{Name: APIURL, Optional: true, Check: provider.CheckAPIURL,
		Help: "PayPal's API, " + hosts.Live + " when unset (" + hosts.Sandbox + " with PAYHOOK_PAYPAL_SANDBOX=true)"},
}

// events reads PayPal's webhook events with an OAuth token obtained from
// the client credentials and kept until shortly before it expires.
type events struct {
	client api.Client
	base   string
	api    *api.ClientCredentials
}

func (e *events) Events(ctx context.Context, since, until time.Time, page func([]json.RawMessage) error) error {
	query := url.Values{}
	query.Set("page_size", strconv.Itoa(pageSize))
	query.Set("start_time", since.UTC().Format(time.RFC3339))
	// PayPal's end_time is inclusive; the window's end is not.
	query.Set("end_time", until.Add(-time.Second).UTC().Format(time.RFC3339))
	next := e.base + "/v1/notifications/webhooks-events?" + query.Encode()
	pages := e.client.Pages()
	for next != "" {
		body, err := e.api.Get(ctx, next)
		if err != nil {
			return fmt.Errorf("paypal: list events: %w", err)
		}
		var list struct {
			Events []json.RawMessage `json:"events"`
			Links  []struct {
				Href string `json:"href"`
				Rel  string `json:"rel"`
			} `json:"links"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			return fmt.Errorf("paypal: list events: %w", err)
		}
		if err := page(list.Events); err != nil {
			return err
		}
		next = ""
		for _, link := range list.Links {
			if link.Rel == "next" && len(list.Events) > 0 {
				if next, err = e.sameOrigin(link.Href); err != nil {
					return fmt.Errorf("paypal: list events: %w", err)
				}
				if err := pages.Next(next); err != nil {
					return fmt.Errorf("paypal: list events: %w", err)
				}
			}
		}
	}
	return nil
}

// sameOrigin refuses a link to anywhere but the API payhook was
// configured with: the token travels with every request.
func (e *events) sameOrigin(href string) (string, error) {
	base, err := url.Parse(e.base)
	if err != nil {
		return "", err
	}
	link, err := base.Parse(href)
	if err != nil || link.Scheme != base.Scheme || link.Host != base.Host {
		return "", errors.New("a next link to another host")
	}
	return link.String(), nil
}

// Confirm fetches the delivered event from PayPal. PayPal's copy is what
// is processed; the delivery differs when its type or resource (the
// payment, with its amount) is not PayPal's.
func (e *events) Confirm(ctx context.Context, body []byte) (provider.Confirmed, error) {
	var delivered event
	if err := decodeEvent(body, &delivered); err != nil || delivered.ID == "" {
		return provider.Confirmed{}, fmt.Errorf("%w: the delivery has no readable event id", provider.ErrNotConfirmed)
	}
	fetched, err := e.api.Get(ctx, e.base+"/v1/notifications/webhooks-events/"+url.PathEscape(delivered.ID))
	if errors.Is(err, api.ErrNotFound) {
		return provider.Confirmed{}, fmt.Errorf("%w: PayPal does not know event %s", provider.ErrNotConfirmed, delivered.ID)
	}
	if err != nil {
		return provider.Confirmed{}, fmt.Errorf("paypal: get event: %w", err)
	}
	var known event
	if err := decodeEvent(fetched, &known); err != nil || known.ID != delivered.ID {
		return provider.Confirmed{}, fmt.Errorf("paypal: get event: an answer that is not event %s", delivered.ID)
	}
	differs := known.EventType != delivered.EventType || !reflect.DeepEqual(known.Resource, delivered.Resource)
	return provider.Confirmed{Body: fetched, Differs: differs}, nil
}

// event is what confirmation compares. Numbers stay as written, so that
// 10.00 and 10.0 differ as the bytes do.
type event struct {
	ID        string `json:"id"`
	EventType string `json:"event_type"`
	Resource  any    `json:"resource"`
}

func decodeEvent(b []byte, e *event) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(e)
}
