// Package ingest is the receiver use case: prove a delivery genuine, store it
// exactly once, and answer the provider. Receiver.Handle is a plain function;
// the API Gateway and net/http adapters beside it only translate.
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/rs/zerolog"

	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/metrics"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/store"
)

// Request is one delivery to /webhook/{provider}.
type Request struct {
	Method    string
	Provider  string
	Header    http.Header
	Body      []byte
	SourceIP  string
	RequestID string
}

// Response is what the provider gets back.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// KeySource supplies the active provider keys.
type KeySource interface {
	Keys(ctx context.Context) (provider.Keys, error)
	// Refresh reloads the keys unless it did so very recently, and reports
	// whether they changed: a failed verification may mean a rotation that
	// this process has not seen yet.
	Refresh(ctx context.Context) (provider.Keys, bool)
}

// Receiver handles deliveries. Every field is required but Clock and
// Metrics.
type Receiver struct {
	Routes       map[string]Route
	Keys         KeySource
	Store        store.Webhooks
	Log          zerolog.Logger
	MaxBodyBytes int
	Retention    time.Duration
	// StoreTimeout bounds the write; past it the provider is told to retry,
	// well before its own timeout gives up on us.
	StoreTimeout time.Duration
	Clock        func() time.Time
	// Metrics counts each delivery by route and outcome, with its latency.
	Metrics metrics.Recorder
	// Observe, when set, is told of each delivery once answered: serve's
	// terminal shows it.
	Observe func(Delivered)
}

// Delivered is one delivery as an operator watching serve sees it: never
// a body or a header. EventType and EventID are the first event's, chosen
// by the sender; a batch's others are counted in Events.
type Delivered struct {
	Provider  string
	EventType string
	EventID   string
	Events    int
	Status    int
	Outcome   string
}

// Route is one provider's /webhook/{name}: the provider, and its verifier
// built with the receiver's settings.
type Route struct {
	Provider provider.Provider
	Verifier provider.Verifier
}

// Routes builds the route of every registered provider.
func Routes(c provider.Config) map[string]Route {
	routes := make(map[string]Route, len(registry.All))
	for _, p := range registry.All {
		routes[p.Name] = Route{Provider: p, Verifier: p.NewVerifier(c)}
	}
	return routes
}

// RetryAfterSeconds is the Retry-After sent with every 503.
const RetryAfterSeconds = 5

// Outcomes, as logged in the "outcome" field; a log metric filter can count
// any of them (invalid_signature is the one the alarms watch).
const (
	OutcomeAccepted          = "accepted"
	OutcomeDuplicate         = "duplicate"
	OutcomeUnknownProvider   = "unknown_provider"
	OutcomeMethodNotAllowed  = "method_not_allowed"
	OutcomePayloadTooLarge   = "payload_too_large"
	OutcomeMissingSignature  = "missing_signature"
	OutcomeInvalidSignature  = "invalid_signature"
	OutcomeTimestampStale    = "timestamp_out_of_tolerance"
	OutcomeMalformedPayload  = "malformed_payload"
	OutcomeUnavailable       = "unavailable"
	OutcomeUnstorable        = "unstorable"
	outcomeProviderNotActive = "provider_not_configured"
)

// result is what handling one delivery came to: the answer, the outcome
// logged, and what the log line may name.
type result struct {
	resp    Response
	outcome string
	// eventIDs are the delivery's events: one, or a batch's; eventType is
	// the first one's.
	eventIDs  []string
	eventType string
	// duplicates counts the batch's events stored before.
	duplicates int
	cause      error
	// storedAs is the provider the webhook is stored under when it differs
	// from the route's (a named Standard Webhooks sender).
	storedAs string
	// transmission is a PayPal transmission id, logged when its binding
	// refused a body.
	transmission string
}

// Handle answers one delivery. It returns a 2xx only after the webhook is
// durably stored (or was already); any doubt about the write is a 503.
func (r *Receiver) Handle(ctx context.Context, req Request) Response {
	started := r.now()
	log := r.Log.With().Str("request_id", req.RequestID).Str("provider", req.Provider).Logger()
	res := r.handle(ctx, req)
	event := log.Info()
	switch {
	case res.outcome == OutcomeUnstorable:
		// A genuine delivery payhook cannot keep: an operator must look.
		event = log.Error()
	case res.resp.Status >= 400:
		event = log.Warn()
	}
	switch {
	case len(res.eventIDs) == 1:
		event = event.Str("event_id", res.eventIDs[0])
	case len(res.eventIDs) > 1:
		event = event.Strs("event_ids", res.eventIDs).Int("duplicates", res.duplicates)
	}
	if res.storedAs != "" {
		event = event.Str("stored_as", res.storedAs)
	}
	if res.transmission != "" {
		event = event.Str("transmission_id", res.transmission)
	}
	if res.cause != nil {
		event = event.AnErr("cause", res.cause)
	}
	took := r.now().Sub(started)
	event.Str("outcome", res.outcome).Int("status", res.resp.Status).
		Int("body_bytes", len(req.Body)).Str("source_ip", req.SourceIP).
		Dur("duration_ms", took).Msg("webhook")
	metrics.Or(r.Metrics).Delivery(r.routeLabel(req.Provider), res.outcome, took)
	if r.Observe != nil {
		d := Delivered{Provider: req.Provider, EventType: res.eventType, Events: len(res.eventIDs), Status: res.resp.Status, Outcome: res.outcome}
		if len(res.eventIDs) > 0 {
			d.EventID = res.eventIDs[0]
		}
		r.Observe(d)
	}
	return res.resp
}

// routeLabel names the delivery's route in metrics: a path no route serves
// is the sender's choice, and is never a label of its own.
func (r *Receiver) routeLabel(name string) string {
	if _, known := r.Routes[name]; known {
		return name
	}
	return metrics.UnknownProvider
}

func refused(status int, outcome string) result {
	return result{resp: errorResponse(status, outcome), outcome: outcome}
}

func (r *Receiver) handle(ctx context.Context, req Request) result {
	route, known := r.Routes[req.Provider]
	if !known {
		return refused(http.StatusNotFound, OutcomeUnknownProvider)
	}
	if req.Method != http.MethodPost {
		res := refused(http.StatusMethodNotAllowed, OutcomeMethodNotAllowed)
		res.resp.Header.Set("Allow", http.MethodPost)
		return res
	}
	if len(req.Body) > r.MaxBodyBytes {
		return refused(http.StatusRequestEntityTooLarge, OutcomePayloadTooLarge)
	}
	keys, err := r.Keys.Keys(ctx)
	if err != nil {
		return result{resp: unavailable(), outcome: OutcomeUnavailable, cause: err}
	}
	if !route.Provider.Configured(keys) {
		// A provider with no keys is not served: saying so beats 401s that
		// look like forgeries. The log line tells the operator why.
		return result{resp: errorResponse(http.StatusNotFound, OutcomeUnknownProvider), outcome: outcomeProviderNotActive}
	}
	delivery := provider.Delivery{Header: req.Header, Body: req.Body}
	verified, err := route.Verifier.Verify(ctx, delivery, keys, r.now())
	if errors.Is(err, provider.ErrInvalidSignature) {
		if fresh, changed := r.Keys.Refresh(ctx); changed {
			verified, err = route.Verifier.Verify(ctx, delivery, fresh, r.now())
		}
	}
	if err != nil {
		return verificationFailure(err)
	}
	envelopes, parseErr := route.Verifier.Parse(delivery)
	if parseErr == nil && (len(envelopes) == 0 || len(envelopes) > provider.MaxBatchEvents) {
		parseErr = provider.ErrMalformedPayload
	}
	ids := make([]string, len(envelopes))
	for i, e := range envelopes {
		ids[i] = e.EventID
	}
	// One budget for every write, well inside the provider's own timeout.
	ctx, cancel := context.WithTimeout(ctx, r.StoreTimeout)
	defer cancel()
	received := r.now().UTC()
	expires := received.Add(registry.Retention(r.Retention, verified.Provider))
	if verified.Transmission != "" {
		// Bound before anything else is decided, a malformed body too:
		// genuine headers are never left free to carry another body.
		eventID := ""
		if len(ids) == 1 {
			eventID = ids[0]
		}
		same, err := r.Store.BindTransmission(ctx, store.Binding{
			Provider: verified.Provider, Transmission: verified.Transmission, BodySHA256: sha256.Sum256(req.Body),
			EventID: eventID, ReceivedAt: received, ExpiresAt: expires,
		})
		if err != nil {
			return storeFailure(err, ids)
		}
		if !same {
			res := refused(http.StatusUnauthorized, OutcomeInvalidSignature)
			res.cause, res.eventIDs, res.transmission = errTransmissionRebound, ids, verified.Transmission
			return res
		}
	}
	if parseErr != nil {
		return refused(http.StatusBadRequest, OutcomeMalformedPayload)
	}
	res := result{eventIDs: ids, eventType: envelopes[0].EventType}
	if verified.Provider != req.Provider {
		res.storedAs = verified.Provider
	}
	webhooks := make([]store.Webhook, len(envelopes))
	for i, e := range envelopes {
		webhooks[i] = r.webhook(req, route.Verifier, verified, e, received, expires)
	}
	created, err := r.store(ctx, webhooks)
	if err != nil {
		failed := storeFailure(err, ids)
		failed.storedAs = res.storedAs
		return failed
	}
	for _, c := range created {
		if !c {
			res.duplicates++
		}
	}
	res.outcome = OutcomeAccepted
	if res.duplicates == len(created) {
		res.outcome = OutcomeDuplicate
	}
	res.resp = acknowledge(route.Provider, res.outcome, ids)
	return res
}

// store writes one webhook with a conditional put, a batch in one
// transaction.
func (r *Receiver) store(ctx context.Context, webhooks []store.Webhook) ([]bool, error) {
	if len(webhooks) == 1 {
		created, err := r.Store.PutWebhook(ctx, webhooks[0])
		return []bool{created}, err
	}
	return r.Store.PutWebhooks(ctx, webhooks)
}

// errTransmissionRebound is why genuine signature headers are refused: the
// transmission they sign already carried another body.
var errTransmissionRebound = errors.New("the transmission's signature headers came with a different body before: a body forged to the same CRC32")

// storeFailure answers a failed write: 422 when the store refuses the item
// for good (the provider's retries cannot help, and an operator must know),
// 503 for anything a retry may get past.
func storeFailure(err error, eventIDs []string) result {
	if errors.Is(err, store.ErrRejected) {
		return result{resp: errorResponse(http.StatusUnprocessableEntity, OutcomeUnstorable), outcome: OutcomeUnstorable, eventIDs: eventIDs, cause: err}
	}
	return result{resp: unavailable(), outcome: OutcomeUnavailable, eventIDs: eventIDs, cause: err}
}

// webhook is one event of a verified delivery, as stored: a batch's event
// keeps its own part of the body, and the delivery's signature headers.
func (r *Receiver) webhook(req Request, verifier provider.Verifier, verified provider.Verified, e provider.Envelope, received, expires time.Time) store.Webhook {
	signatureHeaders := make(map[string]string, len(verifier.SignatureHeaders()))
	for _, name := range verifier.SignatureHeaders() {
		if value := req.Header.Get(name); value != "" {
			signatureHeaders[name] = value
		}
	}
	return store.Webhook{
		Provider:         verified.Provider,
		EventID:          e.EventID,
		EventType:        e.EventType,
		ReceivedAt:       received,
		OccurredAt:       e.OccurredAt,
		Body:             e.Body,
		SignatureHeaders: signatureHeaders,
		SourceIP:         req.SourceIP,
		RequestID:        req.RequestID,
		Status:           store.StatusReceived,
		ExpiresAt:        expires,
		UpdatedBy:        store.ByReceiver,
		UpdatedAt:        received,
		Source:           store.SourceWebhook,
	}
}

func (r *Receiver) now() time.Time {
	if r.Clock != nil {
		return r.Clock()
	}
	return time.Now()
}

func verificationFailure(err error) result {
	switch {
	case errors.Is(err, provider.ErrMissingSignature):
		return refused(http.StatusBadRequest, OutcomeMissingSignature)
	case errors.Is(err, provider.ErrTimestampOutOfTolerance):
		return refused(http.StatusUnauthorized, OutcomeTimestampStale)
	case errors.Is(err, provider.ErrMalformedPayload):
		return refused(http.StatusBadRequest, OutcomeMalformedPayload)
	case errors.Is(err, provider.ErrVerifierUnavailable):
		return result{resp: unavailable(), outcome: OutcomeUnavailable, cause: err}
	}
	return refused(http.StatusUnauthorized, OutcomeInvalidSignature)
}

// WriteUnavailable answers 503 with Retry-After and the receiver's body:
// payhook's one way of saying "not now, try again" over HTTP, wherever a
// server of it cannot serve (the README's table of answers).
func WriteUnavailable(w http.ResponseWriter) { writeHTTP(w, unavailable()) }

func unavailable() Response {
	resp := errorResponse(http.StatusServiceUnavailable, OutcomeUnavailable)
	resp.Header.Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
	return resp
}

// errorResponse bodies are fixed strings: they never echo the request.
func errorResponse(status int, code string) Response {
	return Response{Status: status, Header: jsonHeader(), Body: []byte(`{"error":"` + code + `"}`)}
}

// acknowledge is the 200 for a stored delivery: what the provider requires
// to see, or payhook's JSON, which names the event, or a batch's events.
func acknowledge(p provider.Provider, status string, eventIDs []string) Response {
	if ack := p.Acknowledgement; ack != nil {
		return Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {ack.ContentType}}, Body: ack.Body}
	}
	answer := struct {
		Status string   `json:"status"`
		ID     string   `json:"id,omitempty"`
		IDs    []string `json:"ids,omitempty"`
	}{Status: status}
	if len(eventIDs) == 1 {
		answer.ID = eventIDs[0]
	} else {
		answer.IDs = eventIDs
	}
	body, _ := json.Marshal(answer)
	return Response{Status: http.StatusOK, Header: jsonHeader(), Body: body}
}

func jsonHeader() http.Header {
	return http.Header{"Content-Type": []string{"application/json"}}
}

// New builds a Receiver from validated settings. certs decides which PayPal
// certificates are trusted: paypal.NewCerts on AWS, a development signer's
// locally.
func New(cfg config.Receiver, keys KeySource, st store.Webhooks, certs provider.CertificateSource, log zerolog.Logger) *Receiver {
	return &Receiver{
		Routes:       Routes(provider.Config{Tolerance: cfg.TimestampTolerance, Certificates: certs, TransmissionWindow: cfg.PayPalTransmissionWindow}),
		Keys:         keys,
		Store:        st,
		Log:          log,
		MaxBodyBytes: cfg.MaxBodyBytes,
		Retention:    cfg.Retention,
		StoreTimeout: cfg.StoreTimeout,
	}
}
