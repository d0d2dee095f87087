package operate

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/payhook/payhook/shared/store"
)

// The admin API's routes for inspection and bulk recovery. Every one is
// behind AdminHandler's token check. GET routes take a Filter and a Page
// as query parameters (values); POST routes a JSON body.
const (
	eventsPath       = "/admin/events"
	eventPath        = "/admin/event"
	paymentPath      = "/admin/payment"
	redriveMatchPath = "/admin/redrive/matching"
	resendPath       = "/admin/resend"
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
func inspectRoutes(mux *http.ServeMux, op Operator, reply func(http.ResponseWriter, any, error)) {
	mux.HandleFunc("GET "+eventsPath, func(w http.ResponseWriter, r *http.Request) {
		f, p, err := filterOf(r.URL.Query())
		if err != nil {
			reply(w, nil, err)
			return
		}
		page, err := op.Events(r.Context(), f, p)
		reply(w, page, err)
	})
	mux.HandleFunc("GET "+eventPath, func(w http.ResponseWriter, r *http.Request) {
		detail, err := op.Event(r.Context(), r.URL.Query().Get("provider"), r.URL.Query().Get("id"))
		reply(w, detail, err)
	})
	mux.HandleFunc("GET "+paymentPath, func(w http.ResponseWriter, r *http.Request) {
		detail, err := op.Payment(r.Context(), r.URL.Query().Get("payment"))
		reply(w, detail, err)
	})
	mux.HandleFunc("POST "+redriveMatchPath, func(w http.ResponseWriter, r *http.Request) {
		var req BulkRequest
		if err := decode(r, &req); err != nil {
			reply(w, nil, errors.New("body must be a bulk request: a filter and a page"))
			return
		}
		page, err := op.RedriveMatching(r.Context(), req)
		reply(w, page, err)
	})
	mux.HandleFunc("POST "+resendPath, func(w http.ResponseWriter, r *http.Request) {
		var req ResendRequest
		if err := decode(r, &req); err != nil {
			reply(w, nil, errors.New("body must be a resend request"))
			return
		}
		page, err := op.Resend(r.Context(), req)
		reply(w, page, err)
	})
}

func (r Remote) Events(ctx context.Context, f Filter, p Page) (EventPage, error) {
	var page EventPage
	return page, r.Call(ctx, http.MethodGet, eventsPath+"?"+f.values(p).Encode(), nil, &page)
}

func (r Remote) Event(ctx context.Context, provider, eventID string) (EventDetail, error) {
	var detail EventDetail
	return detail, r.Call(ctx, http.MethodGet, eventPath+"?"+url.Values{"provider": {provider}, "id": {eventID}}.Encode(), nil, &detail)
}

func (r Remote) Payment(ctx context.Context, key string) (PaymentDetail, error) {
	var detail PaymentDetail
	return detail, r.Call(ctx, http.MethodGet, paymentPath+"?"+url.Values{"payment": {key}}.Encode(), nil, &detail)
}

func (r Remote) RedriveMatching(ctx context.Context, req BulkRequest) (BulkPage, error) {
	var page BulkPage
	return page, r.Call(ctx, http.MethodPost, redriveMatchPath, req, &page)
}

func (r Remote) Resend(ctx context.Context, req ResendRequest) (BulkPage, error) {
	var page BulkPage
	return page, r.Call(ctx, http.MethodPost, resendPath, req, &page)
}
