package stripe

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

	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/api"
)

// The settings of Stripe's API, which reconciliation reads events from.
const (
	APIKey = "PAYHOOK_STRIPE_API_KEY" //nolint:gosec // G101: a setting's name
	APIURL = "PAYHOOK_STRIPE_API_URL"
)

const defaultAPIURL = "https://api.stripe.com"

// pageSize is the most events Stripe lists per page.
const pageSize = 100

var eventAPI = &provider.EventAPI{
	Credentials: []string{APIKey},
	URL:         APIURL,
	// Stripe lists the events of the last 30 days.
	History: 30 * 24 * time.Hour,
	New: func(keys provider.Keys, c provider.APIConfig) provider.EventSource {
		return events{client: c.Client(), base: provider.APIURL(keys, APIURL, defaultAPIURL), key: keys.Value(APIKey)}
	},
}

var apiSettings = []provider.Setting{
	{Name: APIKey, Optional: true, Check: checkAPIKey,
		Help: "a restricted key (rk_...) with read access to Events, for reconciliation"},
	{Name: APIURL, Optional: true, Check: provider.CheckAPIURL,
		Help: "Stripe's API, " + defaultAPIURL + " when unset"},
}

// checkAPIKey refuses a live secret key: it can move money, and
// reconciliation needs to read events only.
func checkAPIKey(s string) error {
	switch {
	case strings.HasPrefix(s, "sk_live_"):
		return errors.New("a live secret key can move money: use a restricted key (rk_live_...) with read access to Events")
	case strings.HasPrefix(s, "rk_"), strings.HasPrefix(s, "sk_test_"):
		return nil
	}
	return errors.New("must be a restricted key (rk_...) or a test secret key (sk_test_...)")
}

// events lists GET /v1/events, newest first, a page at a time.
type events struct {
	client api.Client
	base   string
	key    string
}

func (e events) Events(ctx context.Context, since, until time.Time, page func([]json.RawMessage) error) error {
	query := url.Values{}
	query.Set("limit", strconv.Itoa(pageSize))
	query.Set("created[gte]", strconv.FormatInt(since.Unix(), 10))
	query.Set("created[lt]", strconv.FormatInt(until.Unix(), 10))
	pages := e.client.Pages()
	for {
		body, err := e.client.Do(ctx, func(ctx context.Context) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+"/v1/events?"+query.Encode(), nil)
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+e.key)
			return req, nil
		})
		if err != nil {
			return fmt.Errorf("stripe: list events: %w", err)
		}
		var list struct {
			Data    []json.RawMessage `json:"data"`
			HasMore bool              `json:"has_more"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			return fmt.Errorf("stripe: list events: %w", err)
		}
		if err := page(list.Data); err != nil {
			return err
		}
		if !list.HasMore || len(list.Data) == 0 {
			return nil
		}
		var last struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(list.Data[len(list.Data)-1], &last); err != nil || last.ID == "" {
			return errors.New("stripe: list events: an event without an id")
		}
		if err := pages.Next(last.ID); err != nil {
			return fmt.Errorf("stripe: list events: %w", err)
		}
		query.Set("starting_after", last.ID)
	}
}
