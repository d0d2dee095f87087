package operate

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/payhook/payhook/shared/store"
)

// AdminHandler serves op on serve's admin API, to the CLI and a console,
// every route behind RequireToken.
func AdminHandler(op Operator, token string) http.Handler {
	mux := http.NewServeMux()
	Routes(mux, op)
	return RequireToken(token, mux)
}

// RequireToken is the admin API's one token check, in constant time,
// for every route under it: the operator's and the data directory's.
// The one call it lets through without the token is the hello, which
// proves this server holds the token, so that the CLI never sends it to
// an impostor.
func RequireToken(token string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == helloPath {
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte(proof(token, r.URL.Query().Get("nonce"))))
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+token)) != 1 {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Routes registers op's routes on mux, which the caller puts behind
// RequireToken.
func Routes(mux *http.ServeMux, op Operator) {
	mux.HandleFunc("GET /admin/webhooks", func(w http.ResponseWriter, r *http.Request) {
		filter := store.WebhookFilter{Provider: r.URL.Query().Get("provider"), Status: store.Status(r.URL.Query().Get("status"))}
		if before := r.URL.Query().Get("received_before"); before != "" {
			t, err := time.Parse(time.RFC3339Nano, before)
			if err != nil {
				Reply(w, nil, errors.New("received_before must be an RFC 3339 time"))
				return
			}
			filter.ReceivedBefore = t
		}
		views, err := op.Webhooks(r.Context(), filter)
		Reply(w, views, err)
	})
	mux.HandleFunc("GET /admin/payments", func(w http.ResponseWriter, r *http.Request) {
		payments, err := op.Payments(r.Context())
		Reply(w, payments, err)
	})
	mux.HandleFunc("POST /admin/redrive", func(w http.ResponseWriter, r *http.Request) {
		var req redriveRequest
		if err := decode(r, &req); err != nil {
			Reply(w, nil, errors.New("body must be a redrive request"))
			return
		}
		if req.All {
			report, err := op.RedriveAll(r.Context())
			Reply(w, report, err)
			return
		}
		if !req.StuckBefore.IsZero() {
			report, err := op.RedriveStuck(r.Context(), req.StuckBefore)
			Reply(w, report, err)
			return
		}
		Reply(w, map[string]string{}, op.Redrive(r.Context(), req.Provider, req.EventID))
	})
	mux.HandleFunc("POST /admin/reconcile", func(w http.ResponseWriter, r *http.Request) {
		var req reconcileRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Provider == "" || !req.Since.Before(req.Until) {
			Reply(w, nil, errors.New("body must be a reconcile request: a provider, and since before until"))
			return
		}
		report, err := op.Reconcile(r.Context(), req.Provider, req.Since, req.Until)
		if err != nil && report.Provider != "" {
			// The report says how far the run got; the CLI prints both.
			report.Error = err.Error()
			Reply(w, report, nil)
			return
		}
		Reply(w, report, err)
	})
	mux.HandleFunc("GET "+checkpointsPath, func(w http.ResponseWriter, r *http.Request) {
		views, err := op.Checkpoints(r.Context())
		Reply(w, views, err)
	})
	forwardRoutes(mux, op)
	inspectRoutes(mux, op)
}

// Reply answers an admin request with v as JSON, or with err as Remote
// reads an error: 404 for what is not there, 400 for the rest.
func Reply(w http.ResponseWriter, v any, err error) {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, store.ErrNotFound) {
			status = http.StatusNotFound
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()}) // the CLI's to read
		return
	}
	_ = json.NewEncoder(w).Encode(v) // likewise
}

const helloPath = "/admin/hello"

// decode reads a request's JSON body into v.
func decode(r *http.Request, v any) error { return json.NewDecoder(r.Body).Decode(v) }

// proof is what a server holding token answers to nonce.
func proof(token, nonce string) string {
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte("payhook admin hello\x00" + nonce))
	return hex.EncodeToString(mac.Sum(nil))
}

type redriveRequest struct {
	All         bool      `json:"all,omitempty"`
	StuckBefore time.Time `json:"stuck_before,omitzero"`
	Provider    string    `json:"provider,omitempty"`
	EventID     string    `json:"event_id,omitempty"`
}

type reconcileRequest struct {
	Provider string    `json:"provider"`
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
}

type forwardRedriveRequest struct {
	Destination string `json:"destination,omitempty"`
}

type forwardRedriveReport struct {
	Redriven int `json:"redriven"`
}

// forwardRoutes serves Forwarding on the admin API.
func forwardRoutes(mux *http.ServeMux, op Forwarding) {
	mux.HandleFunc("GET /admin/forward/status", func(w http.ResponseWriter, r *http.Request) {
		statuses, err := op.ForwardStatus(r.Context())
		Reply(w, statuses, err)
	})
	mux.HandleFunc("GET /admin/forward/dead", func(w http.ResponseWriter, r *http.Request) {
		dead, err := op.DeadForwards(r.Context(), r.URL.Query().Get("destination"))
		Reply(w, dead, err)
	})
	mux.HandleFunc("POST /admin/forward/redrive", func(w http.ResponseWriter, r *http.Request) {
		var req forwardRedriveRequest
		if err := decode(r, &req); err != nil {
			Reply(w, nil, errors.New("body must be a forward redrive request"))
			return
		}
		n, err := op.RedriveForwards(r.Context(), req.Destination)
		Reply(w, forwardRedriveReport{Redriven: n}, err)
	})
}

// The admin API's routes for inspection and bulk recovery. Every one is
// behind AdminHandler's token check. GET routes take a Filter and a Page
// as query parameters (values); POST routes a JSON body.
const (
	eventsPath       = "/admin/events"
	eventPath        = "/admin/event"
	paymentPath      = "/admin/payment"
	redriveMatchPath = "/admin/redrive/matching"
	resendPath       = "/admin/resend"
	checkpointsPath  = "/admin/checkpoints"
)

// values encodes f and p as query parameters.
func (f Filter) values(p Page) url.Values {
	v := url.Values{}
	for name, value := range map[string]string{"provider": f.Provider, "status": string(f.Status), "type": f.Type, "source": f.Source,
		"payment": f.Payment, "cursor": p.Cursor} {
		if value != "" {
			v.Set(name, value)
		}
	}
	for name, t := range map[string]time.Time{"since": f.Since, "until": f.Until} {
		if !t.IsZero() {
			v.Set(name, t.Format(time.RFC3339Nano))
		}
	}
	if p.Limit != 0 {
		v.Set("limit", strconv.Itoa(p.Limit))
	}
	return v
}

// filterOf reads the query parameters values wrote.
func filterOf(v url.Values) (Filter, Page, error) {
	f := Filter{Provider: v.Get("provider"), Status: store.Status(v.Get("status")), Type: v.Get("type"), Source: v.Get("source"), Payment: v.Get("payment")}
	p := Page{Cursor: v.Get("cursor")}
	for name, into := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if raw := v.Get(name); raw != "" {
			t, err := time.Parse(time.RFC3339Nano, raw)
			if err != nil {
				return f, p, errors.New(name + " must be an RFC 3339 time")
			}
			*into = t
		}
	}
	if raw := v.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 {
			return f, p, errors.New("limit must be a whole number")
		}
		p.Limit = n
	}
	return f, p, nil
}

// inspectRoutes serves inspection and bulk recovery.
func inspectRoutes(mux *http.ServeMux, op Operator) {
	mux.HandleFunc("GET "+eventsPath, func(w http.ResponseWriter, r *http.Request) {
		f, p, err := filterOf(r.URL.Query())
		if err != nil {
			Reply(w, nil, err)
			return
		}
		page, err := op.Events(r.Context(), f, p)
		Reply(w, page, err)
	})
	mux.HandleFunc("GET "+eventPath, func(w http.ResponseWriter, r *http.Request) {
		detail, err := op.Event(r.Context(), r.URL.Query().Get("provider"), r.URL.Query().Get("id"))
		Reply(w, detail, err)
	})
	mux.HandleFunc("GET "+paymentPath, func(w http.ResponseWriter, r *http.Request) {
		detail, err := op.Payment(r.Context(), r.URL.Query().Get("payment"))
		Reply(w, detail, err)
	})
	mux.HandleFunc("POST "+redriveMatchPath, func(w http.ResponseWriter, r *http.Request) {
		var req BulkRequest
		if err := decode(r, &req); err != nil {
			Reply(w, nil, errors.New("body must be a bulk request: a filter and a page"))
			return
		}
		page, err := op.RedriveMatching(r.Context(), req)
		Reply(w, page, err)
	})
	mux.HandleFunc("POST "+resendPath, func(w http.ResponseWriter, r *http.Request) {
		var req ResendRequest
		if err := decode(r, &req); err != nil {
			Reply(w, nil, errors.New("body must be a resend request"))
			return
		}
		page, err := op.Resend(r.Context(), req)
		Reply(w, page, err)
	})
}
