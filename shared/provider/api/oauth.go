package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// tokenMargin renews a token this long before the provider says it
// expires.
const tokenMargin = time.Minute

// ClientCredentials reads a provider's API with an OAuth client
// credentials token (PayPal's, Checkout.com's): the client id and secret
// go as HTTP Basic authentication to TokenURL, and the token is kept
// until a minute before it expires and renewed once when the API no
// longer accepts it.
type ClientCredentials struct {
	Client     Client
	TokenURL   string
	ID, Secret string
	// Scope, when set, is the scope asked for: the least the reads need.
	Scope string
	// Name prefixes errors: the provider's name.
	Name string

	mu      sync.Mutex
	token   string
	expires time.Time
}

// Get sends an authorised GET to target, renewing the token once if the
// API refuses it (401).
func (c *ClientCredentials) Get(ctx context.Context, target string) ([]byte, error) {
	for renewed := false; ; renewed = true {
		token, err := c.accessToken(ctx, renewed)
		if err != nil {
			return nil, err
		}
		body, err := c.Client.Do(ctx, func(ctx context.Context) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Accept", "application/json")
			return req, nil
		})
		var status *StatusError
		if !renewed && errors.As(err, &status) && status.Status == http.StatusUnauthorized {
			continue
		}
		return body, err
	}
}

// accessToken returns the cached token, or a new one when it is about to
// expire or renew is set.
func (c *ClientCredentials) accessToken(ctx context.Context, renew bool) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !renew && c.token != "" && time.Now().Before(c.expires) {
		return c.token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	if c.Scope != "" {
		form.Set("scope", c.Scope)
	}
	body, err := c.Client.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.TokenURL, strings.NewReader(form.Encode()))
		if err != nil {
			return nil, err
		}
		req.SetBasicAuth(c.ID, c.Secret)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		return req, nil
	})
	if err != nil {
		return "", fmt.Errorf("%s: access token: %w", c.Name, err)
	}
	var token struct {
		AccessToken string  `json:"access_token"`
		ExpiresIn   float64 `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &token); err != nil || token.AccessToken == "" {
		return "", fmt.Errorf("%s: access token: an answer without a token", c.Name)
	}
	c.token = token.AccessToken
	c.expires = time.Now().Add(time.Duration(token.ExpiresIn)*time.Second - tokenMargin)
	return c.token, nil
}
