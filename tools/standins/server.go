package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/payhook/payhook/tools/standins/specs"
)

// Config is what the stand-ins accept and how they behave.
type Config struct {
	PayPalClientID     string
	PayPalClientSecret string
	// PayPalTokenTTL is the expires_in of an issued token; PayPal's are
	// about nine hours.
	PayPalTokenTTL time.Duration
	SquareToken    string
	// SquareRetention is how far back Square's SearchEvents reaches: its
	// documentation says events are searchable for 28 days.
	SquareRetention time.Duration
	// StripeKey is the secret or restricted key /stripe/v1/events
	// accepts (Bearer, or Basic with the key as user name).
	StripeKey string
	// PaddleKey is the API key /paddle/events accepts (Bearer).
	PaddleKey string
	// GoCardlessToken is the access token /gocardless/ accepts (Bearer).
	GoCardlessToken string
	Log             *log.Logger
}

// DefaultConfig is what the binary runs with when no flag says otherwise.
// The credentials are dummies: they only have to match what a test sends.
func DefaultConfig() Config {
	return Config{
		PayPalClientID:     "standin-paypal-client",
		PayPalClientSecret: "standin-paypal-secret",
		PayPalTokenTTL:     32400 * time.Second,
		SquareToken:        "standin-square-token",
		SquareRetention:    28 * 24 * time.Hour,
		StripeKey:          "rk_test_standin",
		PaddleKey:          "pdl_sdbx_apikey_01hv97725sakkxq0yqdqef4m6p_standinStandinStandin_AAA",
		GoCardlessToken:    "sandbox_standin-gocardless-token",
		Log:                log.New(io.Discard, "", 0),
	}
}

// maxBody bounds what a request may send; event pages are small.
const maxBody = 4 << 20

// Standins serves every provider and the control API.
type Standins struct {
	paypal, square, stripe, paddle, gocardless *api
	byName                                     map[string]*provider

	mu     sync.Mutex
	cfg    Config
	events map[string][]event // by provider
	// resources are other seeded entities, by "provider/kind" and id.
	resources map[string]map[string]json.RawMessage
	tokens    map[string]time.Time
	faults    []*Fault
	requests  []ServedRequest
}

// api is one provider's trimmed OpenAPI document and its router.
type api struct {
	doc    *openapi3.T
	router routers.Router
}

// New loads the embedded documents and returns empty stand-ins.
func New(cfg Config) (*Standins, error) {
	if cfg.Log == nil {
		cfg.Log = DefaultConfig().Log
	}
	s := &Standins{
		cfg:       cfg,
		events:    map[string][]event{},
		resources: map[string]map[string]json.RawMessage{},
		tokens:    map[string]time.Time{},
	}
	for _, spec := range []struct {
		name string
		into **api
	}{{specs.PayPal, &s.paypal}, {specs.Square, &s.square}, {specs.Stripe, &s.stripe}, {specs.Paddle, &s.paddle}, {specs.GoCardless, &s.gocardless}} {
		loaded, err := loadAPI(spec.name)
		if err != nil {
			return nil, err
		}
		*spec.into = loaded
	}
	s.byName = s.providers()
	return s, nil
}

func loadAPI(name string) (*api, error) {
	doc, err := specs.Load(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	// The documents name the providers' hosts; here every host matches.
	doc.Servers = openapi3.Servers{{URL: "/"}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &api{doc: doc, router: router}, nil
}

// ServedRequest is one provider request as GET /_standin/requests lists it.
type ServedRequest struct {
	Time     time.Time `json:"time"`
	Provider string    `json:"provider"`
	Method   string    `json:"method"`
	Path     string    `json:"path"`
	Query    string    `json:"query"`
	// Body is a JSON request body as sent (Square's cursor travels in
	// it); any other body, as a JSON string.
	Body   json.RawMessage `json:"body,omitempty"`
	Status int             `json:"status"`
	// Fault is true when an injected fault answered.
	Fault bool `json:"fault"`
	// Validation is "passed" when the response was checked against the
	// provider's spec, "failed: …" when it did not match (and a 500 went
	// out instead), "no spec" for PayPal's token endpoint, which no
	// published document describes, and "no route" for a path the
	// documents do not have.
	Validation string `json:"validation"`
}

// response is what a handler answers, before it is validated and written.
type response struct {
	status int
	header http.Header
	body   []byte
}

func jsonResponse(status int, v any) response {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps, slices and raw JSON of ours are marshalled
	}
	return response{status: status, header: http.Header{"Content-Type": {"application/json"}}, body: body}
}

func (s *Standins) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_standin/") {
		s.control(w, r)
		return
	}
	p, path, ok := s.route(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	served := ServedRequest{
		Time:     time.Now().UTC(),
		Provider: p.name,
		Method:   r.Method,
		Path:     r.URL.Path,
		Query:    r.URL.RawQuery,
		Body:     recordedBody(body),
	}
	resp := s.serveProvider(r, p, path, body, &served)
	for k, v := range resp.header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.status)
	w.Write(resp.body)
	served.Status = resp.status
	s.cfg.Log.Printf("%s %s %d (validation: %s, fault: %t)", r.Method, r.URL.RequestURI(), resp.status, served.Validation, served.Fault)
	s.mu.Lock()
	s.requests = append(s.requests, served)
	s.mu.Unlock()
}

func recordedBody(body []byte) json.RawMessage {
	if len(body) == 0 {
		return nil
	}
	if json.Valid(body) {
		var compact bytes.Buffer
		if json.Compact(&compact, body) == nil {
			return compact.Bytes()
		}
	}
	quoted, _ := json.Marshal(string(body))
	return quoted
}

// serveProvider answers a provider request: an injected fault, the
// provider's 401 or 400, or the operation itself; then checks the answer
// against the spec. path is the request's path as the spec knows it.
func (s *Standins) serveProvider(r *http.Request, p *provider, path string, body []byte, served *ServedRequest) response {
	sentPath := r.URL.Path
	if p.name == "paypal" && path == paypalTokenPath {
		served.Validation = "no spec"
		if resp, ok := s.fault(r, sentPath, p); ok {
			served.Fault = true
			return resp
		}
		return s.paypalToken(r, body)
	}

	// The spec's paths, and links that lead back to the prefix.
	r = r.Clone(r.Context())
	r.URL.Path, r.URL.RawPath = path, ""
	r.Body = io.NopCloser(bytes.NewReader(body))
	route, pathParams, err := p.spec.router.FindRoute(r)
	if err != nil {
		served.Validation = "no route"
		if resp, ok := s.fault(r, sentPath, p); ok {
			served.Fault = true
			return resp
		}
		return p.notFound(r, err)
	}
	input := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: pathParams,
		Route:      route,
		Options: &openapi3filter.Options{
			// Authentication is checked by the stand-in itself, in the
			// provider's own way, before the request is validated.
			AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
			SkipSettingDefaults: true,
		},
	}

	var resp response
	if fault, ok := s.fault(r, sentPath, p); ok {
		served.Fault = true
		resp = fault
	} else {
		resp = p.serve(r, input, pathParams, body)
	}

	if err := validateResponse(input, resp); err != nil {
		served.Validation = "failed: " + err.Error()
		s.cfg.Log.Printf("%s %s: the stand-in's %d response does not match the %s spec: %v", r.Method, r.URL.Path, resp.status, p.name, err)
		return response{
			status: http.StatusInternalServerError,
			header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}},
			body:   fmt.Appendf(nil, "payhook-standins: the %d response this stand-in built does not match the %s spec, so it was not sent: %v\n", resp.status, p.name, err),
		}
	}
	served.Validation = "passed"
	return resp
}

// validateRequest checks the request against the operation; the error
// is kin-openapi's, for the provider's 400.
func validateRequest(input *openapi3filter.RequestValidationInput) error {
	return openapi3filter.ValidateRequest(context.Background(), input)
}

// validateResponse checks a response against the operation. Square's
// spec documents only each operation's 200: its errors come back as that
// same response object with only `errors` set (its documentation: "Handling
// errors"), so a status an operation does not document is checked against
// the 200's schema. Anything else undocumented fails.
func validateResponse(input *openapi3filter.RequestValidationInput, resp response) error {
	status := resp.status
	responses := input.Route.Operation.Responses
	if responses.Status(status) == nil && responses.Default() == nil && responses.Status(http.StatusOK) != nil {
		status = http.StatusOK
	}
	return openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 status,
		Header:                 resp.header,
		Body:                   io.NopCloser(bytes.NewReader(resp.body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
}

// Fault makes the next Times requests whose path starts with PathPrefix
// (and whose method is Method, when set) fail with Status.
type Fault struct {
	PathPrefix string `json:"path_prefix"`
	Method     string `json:"method,omitempty"`
	Status     int    `json:"status"`
	RetryAfter string `json:"retry_after,omitempty"`
	Times      int    `json:"times"`
}

// fault uses up one matching fault, oldest first, and builds its answer
// in the provider's error shape. The prefix matches the path as the
// client sent it, the stand-in's own prefix included.
func (s *Standins) fault(r *http.Request, sentPath string, p *provider) (response, bool) {
	s.mu.Lock()
	var hit *Fault
	for i, f := range s.faults {
		if strings.HasPrefix(sentPath, f.PathPrefix) && (f.Method == "" || strings.EqualFold(f.Method, r.Method)) {
			hit = f
			if f.Times--; f.Times == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			break
		}
	}
	s.mu.Unlock()
	if hit == nil {
		return response{}, false
	}
	return p.fault(hit.Status, hit.RetryAfter), true
}

// randomID is n random characters from alphabet.
func randomID(n int, alphabet string) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func debugID() string {
	b := make([]byte, 7)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:13]
}
