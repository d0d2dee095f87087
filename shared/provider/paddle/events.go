package paddle

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

// The settings of Paddle's API, whose event stream reconciliation reads.
const (
	APIKey  = "PAYHOOK_PADDLE_API_KEY" //nolint:gosec // G101: a setting's name
	APIURL  = "PAYHOOK_PADDLE_API_URL"
	Sandbox = "PAYHOOK_PADDLE_SANDBOX"
)

const (
	// pageSize is the most events Paddle lists per page.
	pageSize = 200
	// The prefixes of Paddle's API keys since May 2025, which carry
	// permissions; a key without one is a legacy key, which can do
	// anything.
	liveKeyPrefix    = "pdl_live_apikey_"
	sandboxKeyPrefix = "pdl_sdbx_apikey_"
)

var hosts = provider.APIHosts{Live: "https://api.paddle.com", Sandbox: "https://sandbox-api.paddle.com"}

var eventAPI = &provider.EventAPI{
	Credentials: []string{APIKey},
	URL:         APIURL,
	Sandbox:     Sandbox,
	// "Events older than 90 days aren't retained."
	History:   90 * 24 * time.Hour,
	CheckKeys: checkEnvironment,
	New: func(keys provider.Keys, c provider.APIConfig) provider.EventSource {
		base := hosts.Base(keys, APIURL, keys.Enabled(Sandbox))
		return events{client: c.Client(), base: base, key: keys.Value(APIKey)}
	},
}

var apiSettings = []provider.Setting{
	{Name: APIKey, Optional: true, Check: checkAPIKey,
		Help: "an API key with only the notification.read permission (pdl_live_apikey_... or pdl_sdbx_apikey_...), for reconciliation"},
	{Name: APIURL, Optional: true, Check: provider.CheckAPIURL,
		Help: "Paddle's API, " + hosts.Live + " when unset (" + hosts.Sandbox + " with PAYHOOK_PADDLE_SANDBOX=true)"},
	{Name: Sandbox, Optional: true, Check: provider.CheckBool,
		Help: "true for Paddle's sandbox API (keys starting pdl_sdbx_), false for the live one (the default)"},
}

// checkAPIKey refuses a legacy key: it has every permission, and
// reconciliation only reads events.
func checkAPIKey(s string) error {
	if strings.HasPrefix(s, liveKeyPrefix) || strings.HasPrefix(s, sandboxKeyPrefix) {
		return nil
	}
	return errors.New("must be a Paddle API key with permissions (pdl_live_apikey_... or pdl_sdbx_apikey_...): a legacy key can do anything, and reconciliation needs only notification.read")
}

// checkEnvironment refuses a key for one environment sent to the other's
// default API: Paddle would refuse every request.
func checkEnvironment(k provider.Keys) error {
	key := k.Value(APIKey)
	if key == "" || k.Value(APIURL) != "" {
		return nil
	}
	switch sandbox := k.Enabled(Sandbox); {
	case sandbox && strings.HasPrefix(key, liveKeyPrefix):
		return fmt.Errorf("%s is a live key but %s is true", APIKey, Sandbox)
	case !sandbox && strings.HasPrefix(key, sandboxKeyPrefix):
		return fmt.Errorf("%s is a sandbox key: set %s=true", APIKey, Sandbox)
	}
	return nil
}

// events reads GET /events, Paddle's event stream. It has no time filter:
// it is listed newest first by event id (Paddle's ids are ULIDs, so in the
// order of time), each page after the last one's oldest id, until an event
// older than the window, keeping those inside it.
type events struct {
	client api.Client
	base   string
	key    string
}

func (e events) Events(ctx context.Context, since, until time.Time, page func([]json.RawMessage) error) error {
	query := url.Values{}
	query.Set("per_page", strconv.Itoa(pageSize))
	query.Set("order_by", "id[DESC]")
	pages := e.client.Pages()
	for {
		body, err := e.client.Do(ctx, func(ctx context.Context) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+"/events?"+query.Encode(), nil)
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+e.key)
			req.Header.Set("Paddle-Version", "1")
			req.Header.Set("Accept", "application/json")
			return req, nil
		})
		if err != nil {
			return fmt.Errorf("paddle: list events: %w", err)
		}
		var list struct {
			Data []json.RawMessage `json:"data"`
			Meta struct {
				Pagination struct {
					HasMore bool `json:"has_more"`
				} `json:"pagination"`
			} `json:"meta"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			return fmt.Errorf("paddle: list events: %w", err)
		}
		var inWindow []json.RawMessage
		past := false
		var last string
		for _, raw := range list.Data {
			var event struct {
				EventID    string `json:"event_id"`
				OccurredAt string `json:"occurred_at"`
			}
			if err := json.Unmarshal(raw, &event); err != nil {
				return fmt.Errorf("paddle: list events: %w", err)
			}
			last = event.EventID
			at := provider.ParseRFC3339(event.OccurredAt)
			switch {
			case at.IsZero():
				// Stored all the same: the reconciler counts what it cannot read.
				inWindow = append(inWindow, raw)
			case at.Before(since):
				past = true
			case at.Before(until):
				inWindow = append(inWindow, raw)
			}
		}
		if err := page(inWindow); err != nil {
			return err
		}
		if past || !list.Meta.Pagination.HasMore || len(list.Data) == 0 {
			return nil
		}
		if last == "" {
			return errors.New("paddle: list events: an event without an id")
		}
		if err := pages.Next(last); err != nil {
			return fmt.Errorf("paddle: list events: %w", err)
		}
		query.Set("after", last)
	}
}
