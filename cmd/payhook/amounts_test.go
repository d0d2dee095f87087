//go:build !sandbox

package main_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/samples"
)

// TestGoCardlessAmountsInPaymentsAndForwardedEvents: GoCardless's webhooks
// carry no amount. With a GoCardless token, payhook reads the payment's
// from GoCardless's (stand-in) API: payhook payments shows it, and the
// event forwarded to the app carries it. Without one, both say the amount
// is unknown, never 0.
func TestGoCardlessAmountsInPaymentsAndForwardedEvents(t *testing.T) {
	standins := testenv.Standins(t)
	standins.SeedGoCardless(t, "payments", json.RawMessage(`{"id":"PM00AMOUNT1","amount":4200,"currency":"GBP","status":"confirmed","created_at":"2026-11-27T10:00:00.000Z"}`))
	for _, tc := range []struct {
		name     string
		env      []string
		shown    string
		amount   float64
		unknown  bool
		currency string
	}{
		{"with a token", []string{"PAYHOOK_GOCARDLESS_ACCESS_TOKEN=" + standins.GoCardlessToken, "PAYHOOK_GOCARDLESS_API_URL=" + standins.GoCardlessURL()}, "42.00", 4200, false, "GBP"},
		{"without one", nil, "unknown*", 0, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			app := &forwardedEvents{}
			srv := httptest.NewServer(app)
			t.Cleanup(srv.Close)
			dir := filepath.Join(t.TempDir(), "data")
			env := append([]string{forward.SecretsSetting + "=" + forward.NewSecret()}, tc.env...)
			_, info := startServeWith(t, dir, []string{"--forward-to", srv.URL + "/events"}, env...)
			dev, err := local.LoadDevSecrets(dir)
			is.NoErr(err)
			body, id, err := samples.Build("gocardless", "payments.confirmed", provider.SampleOptions{PaymentID: "PM00AMOUNT1"})
			is.NoErr(err)
			signed, err := samples.Sign("gocardless", body, dev.Keys, id, time.Now())
			is.NoErr(err)
			req, err := http.NewRequest(http.MethodPost, info.URL+"/webhook/gocardless", bytes.NewReader(signed.Body))
			is.NoErr(err)
			req.Header = signed.Header
			resp, err := http.DefaultClient.Do(req)
			is.NoErr(err)
			resp.Body.Close()
			is.Equal(resp.StatusCode, http.StatusOK)

			var data map[string]any
			wait.Until(t, 30*time.Second, "the event forwarded to the app", func() bool {
				data = app.first()
				return data != nil
			})
			is.Equal(data["payment_id"], "PM00AMOUNT1")
			is.Equal(data["amount_minor"], tc.amount)
			is.Equal(data["amount_unknown"] == true, tc.unknown)

			stdout, _, code := payhook(t, "payments", "--data", dir)
			is.Equal(code, 0)
			var line string
			for l := range strings.SplitSeq(stdout, "\n") {
				if strings.Contains(l, "PM00AMOUNT1") {
					line = l
				}
			}
			is.Equal(strings.Fields(line)[2], tc.shown) // the AMOUNT column, never 0.00
			stdout, _, code = payhook(t, "payments", "--json", "--data", dir)
			is.Equal(code, 0)
			var states []map[string]any
			is.NoErr(json.Unmarshal([]byte(stdout), &states))
			is.Equal(states[0]["amount_unknown"] == true, tc.unknown)
			is.Equal(states[0]["currency"], tc.currency)
		})
	}
}

// forwardedEvents is the user's app: it keeps the data of each event it
// is sent.
type forwardedEvents struct {
	mu   sync.Mutex
	data []map[string]any
}

func (a *forwardedEvents) ServeHTTP(_ http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var body struct {
		Data map[string]any `json:"data"`
	}
	if json.Unmarshal(raw, &body) == nil {
		a.mu.Lock()
		a.data = append(a.data, body.Data)
		a.mu.Unlock()
	}
}

func (a *forwardedEvents) first() map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.data) == 0 {
		return nil
	}
	return a.data[0]
}
