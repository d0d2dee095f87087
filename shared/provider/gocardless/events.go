package gocardless

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/payhook/payhook/shared/payment"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/api"
)

// The settings of GoCardless's API, which reconciliation lists events from
// and the processor reads payments' and refunds' amounts from.
const (
	AccessToken = "PAYHOOK_GOCARDLESS_ACCESS_TOKEN" //nolint:gosec // G101: a setting's name
	APIURL      = "PAYHOOK_GOCARDLESS_API_URL"
	Sandbox     = "PAYHOOK_GOCARDLESS_SANDBOX"
)

const (
	// version is the API version every request names.
	version = "2015-07-06"
	// pageSize is the most events GoCardless lists per page.
	pageSize = 500
	// GoCardless's access tokens start with their environment.
	liveTokenPrefix    = "live_"
	sandboxTokenPrefix = "sandbox_"
)

var hosts = provider.APIHosts{Live: "https://api.gocardless.com", Sandbox: "https://api-sandbox.gocardless.com"}

var eventAPI = &provider.EventAPI{
	Credentials: []string{AccessToken},
	URL:         APIURL,
	Sandbox:     Sandbox,
	// GoCardless lists events for up to 18 months (from October 2026 on
	// live; its SDKs' documentation of the events list).
	History:   548 * 24 * time.Hour,
	Amounts:   true,
	CheckKeys: checkEnvironment,
	New: func(keys provider.Keys, c provider.APIConfig) provider.EventSource {
		base := hosts.Base(keys, APIURL, keys.Enabled(Sandbox))
		return events{client: c.Client(), base: base, token: keys.Value(AccessToken)}
	},
}

var apiSettings = []provider.Setting{
	{Name: AccessToken, Optional: true, Check: checkToken,
		Help: "a read-only access token, for reconciliation and the amounts of payments and refunds"},
	{Name: APIURL, Optional: true, Check: provider.CheckAPIURL,
		Help: "GoCardless's API, " + hosts.Live + " when unset (" + hosts.Sandbox + " with PAYHOOK_GOCARDLESS_SANDBOX=true)"},
	{Name: Sandbox, Optional: true, Check: provider.CheckBool,
		Help: "true for GoCardless's sandbox API (tokens starting sandbox_), false for the live one (the default)"},
}

// checkToken refuses what could never authenticate.
func checkToken(s string) error {
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return errors.New("must be an access token, without whitespace or control characters")
	}
	return nil
}

// checkEnvironment refuses a token for one environment sent to the other's
// default API: GoCardless would refuse every request.
func checkEnvironment(k provider.Keys) error {
	token := k.Value(AccessToken)
	if token == "" || k.Value(APIURL) != "" {
		return nil
	}
	switch sandbox := k.Enabled(Sandbox); {
	case sandbox && strings.HasPrefix(token, liveTokenPrefix):
		return fmt.Errorf("%s is a live token but %s is true", AccessToken, Sandbox)
	case !sandbox && strings.HasPrefix(token, sandboxTokenPrefix):
		return fmt.Errorf("%s is a sandbox token: set %s=true", AccessToken, Sandbox)
	}
	return nil
}

// events reads GoCardless's API: GET /events within created_at, paged by
// its after cursor, and the payments and refunds events leave the amounts
// of.
type events struct {
	client api.Client
	base   string
	token  string
}

func (e events) get(ctx context.Context, target string) ([]byte, error) {
	return e.client.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+e.token)
		req.Header.Set("GoCardless-Version", version)
		req.Header.Set("Accept", "application/json")
		return req, nil
	})
}

// Events hands each event as a delivery of it alone carries it,
// {"events":[...]}, which the verifier's Parse reads.
func (e events) Events(ctx context.Context, since, until time.Time, page func([]json.RawMessage) error) error {
	query := url.Values{}
	query.Set("limit", strconv.Itoa(pageSize))
	query.Set("created_at[gte]", since.UTC().Format(time.RFC3339Nano))
	query.Set("created_at[lt]", until.UTC().Format(time.RFC3339Nano))
	pages := e.client.Pages()
	for {
		body, err := e.get(ctx, e.base+"/events?"+query.Encode())
		if err != nil {
			return fmt.Errorf("gocardless: list events: %w", err)
		}
		var list struct {
			Events []json.RawMessage `json:"events"`
			Meta   struct {
				Cursors struct {
					After string `json:"after"`
				} `json:"cursors"`
			} `json:"meta"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			return fmt.Errorf("gocardless: list events: %w", err)
		}
		deliveries := make([]json.RawMessage, len(list.Events))
		for i, raw := range list.Events {
			deliveries[i] = append(append([]byte(`{"events":[`), raw...), "]}"...)
		}
		if err := page(deliveries); err != nil {
			return err
		}
		if list.Meta.Cursors.After == "" || len(list.Events) == 0 {
			return nil
		}
		if err := pages.Next(list.Meta.Cursors.After); err != nil {
			return fmt.Errorf("gocardless: list events: %w", err)
		}
		query.Set("after", list.Meta.Cursors.After)
	}
}

// Amounts reads the payment an event is about (GET /payments/{id}), or
// for a refund event the refund (GET /refunds/{id}), for the amount and
// currency GoCardless's events leave out. An answer about anything else
// (another id, a refund of another payment, a currency the event's own
// details contradict) or without an amount is refused like a payment
// GoCardless does not know: whatever gave it is not GoCardless's API for
// the webhooks' account, and none of it is applied.
func (e events) Amounts(ctx context.Context, ev payment.Event) (payment.Event, error) {
	if !ev.AmountUnknown || ev.PaymentID == "" {
		return ev, nil
	}
	kind, id := "payment", ev.PaymentID
	if ev.IsRefund() && ev.RefundID != "" {
		kind, id = "refund", ev.RefundID
	}
	body, err := e.get(ctx, e.base+"/"+kind+"s/"+url.PathEscape(id))
	if errors.Is(err, api.ErrNotFound) {
		return ev, fmt.Errorf("%w: GoCardless does not know %s %s (is %s the webhooks' account's?)", provider.ErrNotConfirmed, kind, id, AccessToken)
	}
	if err != nil {
		return ev, fmt.Errorf("gocardless: get %s: %w", kind, err)
	}
	var resource map[string]struct {
		ID       string `json:"id"`
		Amount   int64  `json:"amount"`
		Currency string `json:"currency"`
		Links    struct {
			Payment string `json:"payment"`
		} `json:"links"`
	}
	if err := json.Unmarshal(body, &resource); err != nil {
		return ev, fmt.Errorf("gocardless: get %s: %w", kind, err)
	}
	got := resource[kind+"s"]
	var wrong string
	switch {
	case got.ID != id:
		wrong = "is about another " + kind
	case kind == "refund" && got.Links.Payment != ev.PaymentID:
		wrong = "is a refund of another payment than " + ev.PaymentID
	case got.Amount <= 0:
		wrong = "states no amount"
	case !isCurrencyCode(got.Currency):
		wrong = "states no currency"
	case ev.Currency != "" && !strings.EqualFold(got.Currency, ev.Currency):
		wrong = "is in another currency than the event's"
	}
	if wrong != "" {
		return ev, fmt.Errorf("%w: GoCardless's answer for %s %s %s", provider.ErrNotConfirmed, kind, id, wrong)
	}
	ev.AmountMinor, ev.Currency, ev.AmountUnknown = got.Amount, strings.ToUpper(got.Currency), false
	return ev, nil
}
