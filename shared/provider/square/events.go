package square

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/api"
)

// The settings of Square's API, which reconciliation searches events in.
const (
	AccessToken = "PAYHOOK_SQUARE_ACCESS_TOKEN" //nolint:gosec // G101: a setting's name
	APIURL      = "PAYHOOK_SQUARE_API_URL"
)

const (
	defaultAPIURL = "https://connect.squareup.com"
	// pageSize is the most events Square returns per page.
	pageSize = 100
)

var eventAPI = &provider.EventAPI{
	Credentials: []string{AccessToken},
	URL:         APIURL,
	// Square keeps events searchable for 28 days.
	History: 28 * 24 * time.Hour,
	New: func(keys provider.Keys, c provider.APIConfig) provider.EventSource {
		return events{client: c.Client(), base: provider.APIURL(keys, APIURL, defaultAPIURL), token: keys.Value(AccessToken)}
	},
}

var apiSettings = []provider.Setting{
	{Name: AccessToken, Optional: true, Help: "an access token that can read events (for reconciliation)"},
	{Name: APIURL, Optional: true, Check: provider.CheckAPIURL,
		Help: "Square's API, " + defaultAPIURL + " when unset (https://connect.squareupsandbox.com for the sandbox)"},
}

// events searches POST /v2/events, oldest first, a page at a time.
type events struct {
	client api.Client
	base   string
	token  string
}

type searchRequest struct {
	Cursor string      `json:"cursor,omitempty"`
	Limit  int         `json:"limit"`
	Query  searchQuery `json:"query"`
}

type searchQuery struct {
	Filter struct {
		CreatedAt struct {
			StartAt string `json:"start_at"`
			EndAt   string `json:"end_at"`
		} `json:"created_at"`
	} `json:"filter"`
	Sort struct {
		Field string `json:"field"`
		Order string `json:"order"`
	} `json:"sort"`
}

func (e events) Events(ctx context.Context, since, until time.Time, page func([]json.RawMessage) error) error {
	search := searchRequest{Limit: pageSize}
	search.Query.Filter.CreatedAt.StartAt = since.UTC().Format(time.RFC3339Nano)
	search.Query.Filter.CreatedAt.EndAt = until.UTC().Format(time.RFC3339Nano)
	search.Query.Sort.Field, search.Query.Sort.Order = "DEFAULT", "ASC"
	pages := e.client.Pages()
	for {
		request, err := json.Marshal(search)
		if err != nil {
			return err
		}
		body, err := e.client.Do(ctx, func(ctx context.Context) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.base+"/v2/events", bytes.NewReader(request))
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+e.token)
			req.Header.Set("Content-Type", "application/json")
			return req, nil
		})
		if err != nil {
			return fmt.Errorf("square: search events: %w", err)
		}
		var result struct {
			Events []json.RawMessage `json:"events"`
			Cursor string            `json:"cursor"`
		}
		if err := json.Unmarshal(body, &result); err != nil {
			return fmt.Errorf("square: search events: %w", err)
		}
		if err := page(result.Events); err != nil {
			return err
		}
		if result.Cursor == "" {
			return nil
		}
		if err := pages.Next(result.Cursor); err != nil {
			return fmt.Errorf("square: search events: %w", err)
		}
		search.Cursor = result.Cursor
	}
}
