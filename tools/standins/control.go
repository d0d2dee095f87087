package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// control serves /_standin/: what tests use to set the stand-ins up and
// to look at what their code did. Its answers are not a provider's.
func (s *Standins) control(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/_standin")
	switch {
	case path == "/health":
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	case strings.HasSuffix(path, "/events") && s.byName[strings.TrimSuffix(strings.TrimPrefix(path, "/"), "/events")] != nil:
		s.controlEvents(w, r, s.byName[strings.TrimSuffix(strings.TrimPrefix(path, "/"), "/events")])
	case s.resourceKind(path) != nil:
		s.controlResources(w, r, path)
	case path == "/faults":
		s.controlFaults(w, r)
	case path == "/requests":
		s.controlRequests(w, r)
	case path == "/paypal/credentials" && r.Method == http.MethodPut:
		var c struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		}
		if !readJSON(w, r, &c) {
			return
		}
		if c.ClientID == "" || c.ClientSecret == "" {
			http.Error(w, "client_id and client_secret are both required", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.cfg.PayPalClientID, s.cfg.PayPalClientSecret = c.ClientID, c.ClientSecret
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case path == "/paypal/tokens" && r.Method == http.MethodDelete:
		s.mu.Lock()
		clear(s.tokens)
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case path == "/square/token" && r.Method == http.MethodPut:
		var c struct {
			AccessToken string `json:"access_token"`
		}
		if !readJSON(w, r, &c) {
			return
		}
		if c.AccessToken == "" {
			http.Error(w, "access_token is required", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.cfg.SquareToken = c.AccessToken
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "no such control endpoint: "+r.Method+" "+r.URL.Path, http.StatusNotFound)
	}
}

func (s *Standins) controlEvents(w http.ResponseWriter, r *http.Request, p *provider) {
	provider := p.name
	switch r.Method {
	case http.MethodGet:
		s.mu.Lock()
		events := make([]json.RawMessage, 0, len(s.events[provider]))
		for _, e := range s.events[provider] {
			events = append(events, e.raw)
		}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, events)
	case http.MethodDelete:
		s.mu.Lock()
		delete(s.events, provider)
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPost:
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		raws, err := s.eventsToSeed(p, body, baseURL(r)+p.prefix)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		added, err := s.seed(p, raws)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, http.StatusCreated, added)
	default:
		http.Error(w, "GET, POST or DELETE", http.StatusMethodNotAllowed)
	}
}

// eventsToSeed is the body's array of events, or the events it asks to
// generate.
func (s *Standins) eventsToSeed(p *provider, body []byte, base string) ([]json.RawMessage, error) {
	body = bytes.TrimSpace(body)
	if bytes.HasPrefix(body, []byte("[")) {
		var raws []json.RawMessage
		if err := json.Unmarshal(body, &raws); err != nil {
			return nil, fmt.Errorf("events: %w", err)
		}
		return raws, nil
	}
	var g seedRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return nil, fmt.Errorf(`want a JSON array of events or {"generate":N}: %w`, err)
	}
	if g.Generate < 1 || g.Generate > 10000 {
		return nil, fmt.Errorf("generate: between 1 and 10000")
	}
	times, err := g.times()
	if err != nil {
		return nil, err
	}
	raws := make([]json.RawMessage, len(times))
	for i, t := range times {
		if raws[i], err = p.template(base, g.EventType, t); err != nil {
			return nil, err
		}
	}
	return raws, nil
}

// seed adds events after checking each against the provider's event
// schema, so a test cannot seed what the real API would never return.
// All are added or none.
func (s *Standins) seed(p *provider, raws []json.RawMessage) ([]json.RawMessage, error) {
	provider := p.name
	var events []event
	for i, raw := range raws {
		raw, err := p.spec.conform(p.eventSchema, raw)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		e, err := p.eventFields(raw)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		events = append(events, e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	for _, e := range s.events[provider] {
		seen[e.id] = true
	}
	for _, e := range events {
		if seen[e.id] {
			return nil, fmt.Errorf("event id %q is seeded twice", e.id)
		}
		seen[e.id] = true
	}
	s.events[provider] = append(s.events[provider], events...)
	added := make([]json.RawMessage, len(events))
	for i, e := range events {
		added[i] = e.raw
	}
	return added, nil
}

func (s *Standins) controlFaults(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.mu.Lock()
		faults := make([]Fault, 0, len(s.faults))
		for _, f := range s.faults {
			faults = append(faults, *f)
		}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, faults)
	case http.MethodDelete:
		s.mu.Lock()
		s.faults = nil
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPost:
		var f Fault
		if !readJSON(w, r, &f) {
			return
		}
		if !strings.HasPrefix(f.PathPrefix, "/") || f.Status < 400 || f.Status > 599 || f.Times < 1 {
			http.Error(w, `want {"path_prefix":"/…","status":400-599,"times":1 or more} (method and retry_after optional)`, http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.faults = append(s.faults, &f)
		s.mu.Unlock()
		writeJSON(w, http.StatusCreated, f)
	default:
		http.Error(w, "GET, POST or DELETE", http.StatusMethodNotAllowed)
	}
}

func (s *Standins) controlRequests(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.mu.Lock()
		requests := append([]ServedRequest{}, s.requests...)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, requests)
	case http.MethodDelete:
		s.mu.Lock()
		s.requests = nil
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "GET or DELETE", http.StatusMethodNotAllowed)
	}
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away: nothing to do
}

// conform compacts raw and checks it against the named schema of the
// spec, as a response would be checked: what a test seeds is what the
// real API could return.
func (a *api) conform(schemaName string, raw json.RawMessage) (json.RawMessage, error) {
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return nil, err
	}
	raw = compact.Bytes()
	var value any
	if err := json.Unmarshal(raw, &value); err != nil {
		return nil, err
	}
	ref := a.doc.Components.Schemas[schemaName]
	if ref == nil || ref.Value == nil {
		return nil, fmt.Errorf("the spec has no %s schema", schemaName)
	}
	opts := []openapi3.SchemaValidationOption{openapi3.VisitAsResponse(), openapi3.MultiErrors()}
	if a.doc.IsOpenAPI31OrLater() {
		opts = append(opts, openapi3.EnableJSONSchema2020())
	}
	if err := ref.Value.VisitJSON(value, opts...); err != nil {
		return nil, fmt.Errorf("does not match the spec's %s schema: %w", schemaName, err)
	}
	return raw, nil
}

// resourceKind is the kind of entity a control path seeds
// (/gocardless/payments), or nil.
func (s *Standins) resourceKind(path string) *resourceKind {
	name, kind, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if p := s.byName[name]; ok && p != nil {
		if k, ok := p.resources[kind]; ok {
			return &k
		}
	}
	return nil
}

// controlResources seeds (POST, a JSON array), lists (GET) or forgets
// (DELETE) one kind of entity, such as GoCardless's payments.
func (s *Standins) controlResources(w http.ResponseWriter, r *http.Request, path string) {
	key := strings.TrimPrefix(path, "/")
	name, kindName, _ := strings.Cut(key, "/")
	p, kind := s.byName[name], s.resourceKind(path)
	switch r.Method {
	case http.MethodGet:
		s.mu.Lock()
		list := make([]json.RawMessage, 0, len(s.resources[key]))
		for _, raw := range s.resources[key] {
			list = append(list, raw)
		}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, list)
	case http.MethodDelete:
		s.mu.Lock()
		delete(s.resources, key)
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPost:
		var raws []json.RawMessage
		if !readJSON(w, r, &raws) {
			return
		}
		byID := map[string]json.RawMessage{}
		for i, raw := range raws {
			raw, err := p.spec.conform(kind.schema, raw)
			if err != nil {
				http.Error(w, fmt.Sprintf("%s %d: %v", kindName, i, err), http.StatusBadRequest)
				return
			}
			id, err := kind.id(raw)
			if err != nil {
				http.Error(w, fmt.Sprintf("%s %d: %v", kindName, i, err), http.StatusBadRequest)
				return
			}
			byID[id] = raw
		}
		s.mu.Lock()
		if s.resources[key] == nil {
			s.resources[key] = map[string]json.RawMessage{}
		}
		for id, raw := range byID {
			s.resources[key][id] = raw
		}
		s.mu.Unlock()
		writeJSON(w, http.StatusCreated, raws)
	default:
		http.Error(w, "GET, POST or DELETE", http.StatusMethodNotAllowed)
	}
}

// resource is one seeded entity, or false.
func (s *Standins) resource(provider, kind, id string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	raw, ok := s.resources[provider+"/"+kind][id]
	return raw, ok
}
