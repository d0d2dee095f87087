package console_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/console"
)

// TestGuardAnswersThisListenerOnly: the Host and Origin a page after DNS
// rebinding, or on another origin, sends are refused; what a browser or
// the CLI sends to the loopback listener passes.
func TestGuardAnswersThisListenerOnly(t *testing.T) {
	guarded := console.Guard(console.LoopbackHosts("127.0.0.1:4567"), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	for _, c := range []struct {
		name, method, host string
		header             map[string]string
		want               int
	}{
		{"the CLI", "GET", "127.0.0.1:4567", nil, http.StatusNoContent},
		{"localhost", "GET", "localhost:4567", nil, http.StatusNoContent},
		{"localhost in capitals", "GET", "LOCALHOST:4567", nil, http.StatusNoContent},
		{"IPv6 loopback", "GET", "[::1]:4567", nil, http.StatusNoContent},
		{"same-origin form", "POST", "127.0.0.1:4567", map[string]string{"Origin": "http://127.0.0.1:4567", "Sec-Fetch-Site": "same-origin"}, http.StatusNoContent},
		{"a rebound name", "GET", "attacker.example:4567", nil, http.StatusForbidden},
		{"a rebound name without a port", "GET", "attacker.example", nil, http.StatusForbidden},
		{"another port", "GET", "127.0.0.1:4568", nil, http.StatusForbidden},
		{"no port", "GET", "127.0.0.1", nil, http.StatusForbidden},
		{"another origin", "POST", "127.0.0.1:4567", map[string]string{"Origin": "http://127.0.0.1:3000"}, http.StatusForbidden},
		{"an opaque origin", "POST", "127.0.0.1:4567", map[string]string{"Origin": "null"}, http.StatusForbidden},
		{"https, another origin", "GET", "127.0.0.1:4567", map[string]string{"Origin": "https://127.0.0.1:4567"}, http.StatusForbidden},
		{"a cross-site fetch", "GET", "127.0.0.1:4567", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}, http.StatusForbidden},
		{"a cross-site POST navigation", "POST", "127.0.0.1:4567", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}, http.StatusForbidden},
		{"a link followed from another site", "GET", "127.0.0.1:4567", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}, http.StatusNoContent},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, "http://"+c.host+"/console/events", nil)
			r.Host = c.host
			for k, v := range c.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			guarded.ServeHTTP(w, r)
			is.New(t).Equal(w.Code, c.want)
		})
	}
}
