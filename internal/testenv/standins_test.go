//go:build !sandbox

// Excluded from Nix's sandbox: building the stand-ins needs their module's
// dependencies, and stripe-mock is installed with go install.

package testenv_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
)

func TestStandinsServeBothProvidersInIsolation(t *testing.T) {
	is := is.New(t)
	standins := testenv.Standins(t)
	created := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	standins.SeedPayPal(t, json.RawMessage(`{"id":"WH-1","create_time":"`+created+`","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"CAP-1"}}`))
	standins.SeedSquare(t, json.RawMessage(`{"event_id":"sq-1","created_at":"`+created+`","type":"payment.updated"}`))
	standins.Fault(t, "/v2/events", http.StatusTooManyRequests, "1", 1)

	// PayPal: a token for the client credentials, then the list.
	form := url.Values{"grant_type": {"client_credentials"}}
	req, err := http.NewRequest(http.MethodPost, standins.URL()+"/v1/oauth2/token", strings.NewReader(form.Encode()))
	is.NoErr(err)
	req.SetBasicAuth(standins.PayPalClientID, standins.PayPalClientSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var token struct {
		AccessToken string `json:"access_token"`
	}
	is.Equal(send(t, req, &token), http.StatusOK)
	req, err = http.NewRequest(http.MethodGet, standins.URL()+"/v1/notifications/webhooks-events?page_size=5", nil)
	is.NoErr(err)
	req.Header.Set("Authorization", "Bearer "+token.AccessToken)
	var list struct {
		Events []struct {
			ID string `json:"id"`
		} `json:"events"`
	}
	is.Equal(send(t, req, &list), http.StatusOK)
	is.Equal(len(list.Events), 1)
	is.Equal(list.Events[0].ID, "WH-1")

	// Square: the injected 429 first, then the search.
	search := func() (int, []string) {
		req, err := http.NewRequest(http.MethodPost, standins.URL()+"/v2/events", strings.NewReader(`{"limit":10}`))
		is.NoErr(err)
		req.Header.Set("Authorization", "Bearer "+standins.SquareAccessToken)
		req.Header.Set("Content-Type", "application/json")
		var found struct {
			Events []struct {
				EventID string `json:"event_id"`
			} `json:"events"`
		}
		status := send(t, req, &found)
		var ids []string
		for _, e := range found.Events {
			ids = append(ids, e.EventID)
		}
		return status, ids
	}
	status, _ := search()
	is.Equal(status, http.StatusTooManyRequests)
	status, ids := search()
	is.Equal(status, http.StatusOK)
	is.Equal(ids, []string{"sq-1"})

	served := standins.Requests(t)
	is.Equal(len(served), 4)
	for _, r := range served {
		is.True(r.Validation == "passed" || r.Validation == "no spec") // every answer matched the provider's spec
	}
	is.True(served[2].Fault)

	// Another call is another process: nothing seeded there.
	other := testenv.Standins(t)
	is.True(other.URL() != standins.URL())
	is.Equal(len(other.GenerateSquare(t, 3)), 3)
	is.Equal(len(other.Requests(t)), 0)
}

// What StripeMock's comment says stripe-mock answers for events: if a new
// version changes it, this fails and the comment needs updating.
func TestStripeMockServesOneFixtureEvent(t *testing.T) {
	is := is.New(t)
	base := testenv.StripeMock(t)
	req, err := http.NewRequest(http.MethodGet, base+"/v1/events?limit=3&type=charge.succeeded&created[gte]=1700000000", nil)
	is.NoErr(err)
	req.Header.Set("Authorization", "Bearer "+testenv.StripeMockKey)
	var list struct {
		HasMore bool `json:"has_more"`
		Data    []struct {
			ID      string `json:"id"`
			Type    string `json:"type"`
			Created int64  `json:"created"`
		} `json:"data"`
	}
	is.Equal(send(t, req, &list), http.StatusOK)
	is.Equal(list.HasMore, false)
	is.Equal(len(list.Data), 1)
	is.Equal(list.Data[0].ID, "evt_1Pgc76B7WZ01zgkWwyRHS12y")
	is.Equal(list.Data[0].Type, "plan.created") // the type filter is ignored
	is.Equal(list.Data[0].Created, int64(1234567890))
}

// send does req and decodes a JSON answer into out.
func send(t *testing.T, req *http.Request, out any) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode < 300 {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s %s: %v: %s", req.Method, req.URL, err, body)
		}
	}
	return resp.StatusCode
}
