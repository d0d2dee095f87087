package checkout_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/api"
	"github.com/payhook/payhook/shared/provider/checkout"
)

// Confirmation only reads events: an access key (ack_) whose scope is
// flow:events is what it takes, and a secret key (sk_), which can move
// money, is refused; an access key id without its secret stops the start.
func TestOnlyAnAccessKeyConfirms(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys provider.Keys
		ok   bool
	}{
		{"an access key", provider.Keys{checkout.AccessKeyID: {"ack_clckqmmnyfiupexjew7shh5ahe"}, checkout.AccessKeySecret: {"Pmg36sDWQ9WxtPR3"}}, true},
		{"a secret key", provider.Keys{checkout.AccessKeyID: {"sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e"}, checkout.AccessKeySecret: {"x"}}, false},
		{"an access key without its secret", provider.Keys{checkout.AccessKeyID: {"ack_clckqmmnyfiupexjew7shh5ahe"}}, false},
		{"the sandbox", provider.Keys{checkout.AccessKeyID: {"ack_clckqmmnyfiupexjew7shh5ahe"}, checkout.AccessKeySecret: {"x"}, checkout.Sandbox: {"true"}}, true},
		{"an API in clear", provider.Keys{checkout.AccessKeyID: {"ack_clckqmmnyfiupexjew7shh5ahe"}, checkout.AccessKeySecret: {"x"}, checkout.APIURL: {"http://api.checkout.com"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			keys := provider.Keys{checkout.SignatureKeys: {"key"}}
			for k, v := range tc.keys {
				keys[k] = v
			}
			err := checkout.Provider.CheckKeys(keys)
			is.Equal(err == nil, tc.ok)
			if err != nil {
				is.True(!strings.Contains(err.Error(), "m73dzbpy")) // the error never quotes the key
			}
		})
	}
}

// Checkout.com lists no events by time: reconciliation never lists it,
// and its source says why if asked.
func TestCheckoutIsConfirmedNeverListed(t *testing.T) {
	is := is.New(t)
	is.True(!checkout.Provider.Lists())
	is.True(checkout.Provider.Events.Confirms)
	source := checkout.Provider.Events.New(provider.Keys{}, provider.APIConfig{})
	is.True(errors.Is(source.Events(t.Context(), t0, t0, nil), checkout.ErrNoListing))
	_, confirms := source.(provider.Confirmer)
	is.True(confirms)
}

// fakeCheckout is a Checkout.com API on this machine: its token endpoint
// issues a numbered token, and event answers what event says for the
// token it was asked with. elsewhere is another host, which must never
// be asked anything.
type fakeCheckout struct {
	api, elsewhere *httptest.Server
	mu             sync.Mutex
	tokens         int
	lookups        int
	strayed        []string // the Authorization headers that reached elsewhere
}

func newFakeCheckout(t *testing.T, token func(w http.ResponseWriter, elsewhere string) bool, event func(w http.ResponseWriter, token, elsewhere string)) *fakeCheckout {
	t.Helper()
	f := &fakeCheckout{}
	f.elsewhere = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.strayed = append(f.strayed, r.Header.Get("Authorization"))
		f.mu.Unlock()
	}))
	t.Cleanup(f.elsewhere.Close)
	f.api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		switch {
		case r.URL.Path == "/connect/token":
			if token != nil && token(w, f.elsewhere.URL) {
				return
			}
			f.tokens++
			fmt.Fprintf(w, `{"access_token":"token-%d","token_type":"Bearer","expires_in":3600}`, f.tokens)
		case strings.HasPrefix(r.URL.Path, "/workflows/events/"):
			f.lookups++
			event(w, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), f.elsewhere.URL)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.api.Close)
	return f
}

// asked is how many tokens were issued and events looked up.
func (f *fakeCheckout) asked() [2]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return [2]int{f.tokens, f.lookups}
}

// strays is how many requests reached the other host.
func (f *fakeCheckout) strays() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.strayed)
}

func (f *fakeCheckout) confirmer() provider.Confirmer {
	keys := provider.Keys{checkout.AccessKeyID: {"ack_clckqmmnyfiupexjew7shh5ahe"}, checkout.AccessKeySecret: {"a-secret"}, checkout.APIURL: {f.api.URL}}
	return checkout.Provider.Events.New(keys, provider.APIConfig{HTTP: &http.Client{Timeout: 5 * time.Second}}).(provider.Confirmer)
}

const (
	deliveredID = "evt_aaaaaaaaaaaaaaaaaaaaaaaaaa"
	delivered   = `{"id":"` + deliveredID + `","type":"payment_captured","data":{"id":"pay_aaaaaaaaaaaaaaaaaaaaaaaaaa","amount":6540,"currency":"USD"}}`
)

// Attacks on confirmation, each by the API's answer or the delivery: a
// redirect never carries the access key or the token to another host; an
// answer that is no event is the API's failure, for redrive; an answer
// about another event, or a delivery that is not JSON, is refused.
func TestCheckoutConfirmationCannotBeSteered(t *testing.T) {
	redirect := func(w http.ResponseWriter, elsewhere string) {
		w.Header().Set("Location", elsewhere+"/steal")
		w.WriteHeader(http.StatusTemporaryRedirect)
	}
	answer := func(body string) func(http.ResponseWriter, string, string) {
		return func(w http.ResponseWriter, _, _ string) { fmt.Fprint(w, body) }
	}
	for _, tc := range []struct {
		name      string
		delivered string
		token     func(http.ResponseWriter, string) bool
		event     func(http.ResponseWriter, string, string)
		refused   bool
		redirect  bool
	}{
		{name: "the token endpoint redirects", delivered: delivered,
			token: func(w http.ResponseWriter, elsewhere string) bool { redirect(w, elsewhere); return true },
			event: answer(delivered), redirect: true},
		{name: "the event lookup redirects", delivered: delivered,
			event: func(w http.ResponseWriter, _, elsewhere string) { redirect(w, elsewhere) }, redirect: true},
		{name: "an answer that is not JSON", delivered: delivered, event: answer("<html>maintenance</html>")},
		{name: "an answer about another event", delivered: delivered,
			event: answer(strings.ReplaceAll(delivered, deliveredID, "evt_bbbbbbbbbbbbbbbbbbbbbbbbbb")), refused: true},
		{name: "a delivery that is not JSON", delivered: "id=" + deliveredID, event: answer(delivered), refused: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			f := newFakeCheckout(t, tc.token, tc.event)
			_, err := f.confirmer().Confirm(t.Context(), []byte(tc.delivered))
			is.True(err != nil)
			is.Equal(errors.Is(err, provider.ErrNotConfirmed), tc.refused) // refused, or failed for redrive
			is.Equal(errors.Is(err, api.ErrRedirect), tc.redirect)
			is.Equal(f.strays(), 0) // nothing, credentials least of all, reached another host
			is.True(!strings.Contains(err.Error(), "a-secret") && !strings.Contains(err.Error(), "token-"))
		})
	}
}

// A token Checkout.com no longer accepts is renewed once, not in a loop.
func TestCheckoutRenewsARefusedTokenOnce(t *testing.T) {
	is := is.New(t)
	var acceptFrom atomic.Int64
	acceptFrom.Store(2)
	f := newFakeCheckout(t, nil, func(w http.ResponseWriter, token, _ string) {
		var n int64
		if _, err := fmt.Sscanf(token, "token-%d", &n); err != nil || n < acceptFrom.Load() {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, delivered)
	})
	confirmer := f.confirmer()
	confirmed, err := confirmer.Confirm(t.Context(), []byte(delivered))
	is.NoErr(err)
	is.True(!confirmed.Differs)
	is.Equal(f.asked(), [2]int{2, 2}) // the refused token, then its renewal

	acceptFrom.Store(100) // Checkout.com refuses every token now
	_, err = confirmer.Confirm(t.Context(), []byte(delivered))
	is.True(err != nil)
	is.True(!errors.Is(err, provider.ErrNotConfirmed))
	is.Equal(f.tokens, 3)  // one renewal, then the error
	is.Equal(f.lookups, 4) // two asks per confirmation
}
