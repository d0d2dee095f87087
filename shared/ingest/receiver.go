// Package ingest is the receiver use case: prove a delivery genuine, store it
// exactly once, and answer the provider. Receiver.Handle is a plain function;
// the API Gateway and net/http adapters beside it only translate.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/rs/zerolog"

	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/provider"
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

// Receiver handles deliveries. Every field is required but Clock.
type Receiver struct {
	Verifiers    map[string]provider.Verifier
	Keys         KeySource
	Store        store.Webhooks
	Log          zerolog.Logger
	MaxBodyBytes int
	Retention    time.Duration
	// StoreTimeout bounds the write; past it the provider is told to retry,
	// well before its own timeout gives up on us.
	StoreTimeout time.Duration
	Clock        func() time.Time
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
	outcomeProviderNotActive = "provider_not_configured"
)

// Handle answers one delivery. It returns a 2xx only after the webhook is
// durably stored (or was already); any doubt about the write is a 503.
func (r *Receiver) Handle(ctx context.Context, req Request) Response {
	started := r.now()
	log := r.Log.With().Str("request_id", req.RequestID).Str("provider", req.Provider).Logger()
	resp, outcome, eventID, cause := r.handle(ctx, req)
	event := log.Info()
	if resp.Status >= 400 {
		event = log.Warn()
	}
	if eventID != "" {
		event = event.Str("event_id", eventID)
	}
	if cause != nil {
		event = event.AnErr("cause", cause)
	}
	event.Str("outcome", outcome).Int("status", resp.Status).
		Int("body_bytes", len(req.Body)).Str("source_ip", req.SourceIP).
		Dur("duration_ms", r.now().Sub(started)).Msg("webhook")
	return resp
}

func (r *Receiver) handle(ctx context.Context, req Request) (Response, string, string, error) {
	verifier, known := r.Verifiers[req.Provider]
	if !known {
		return errorResponse(http.StatusNotFound, OutcomeUnknownProvider), OutcomeUnknownProvider, "", nil
	}
	if req.Method != http.MethodPost {
		resp := errorResponse(http.StatusMethodNotAllowed, OutcomeMethodNotAllowed)
		resp.Header.Set("Allow", http.MethodPost)
		return resp, OutcomeMethodNotAllowed, "", nil
	}
	if len(req.Body) > r.MaxBodyBytes {
		return errorResponse(http.StatusRequestEntityTooLarge, OutcomePayloadTooLarge), OutcomePayloadTooLarge, "", nil
	}
	keys, err := r.Keys.Keys(ctx)
	if err != nil {
		return unavailable(), OutcomeUnavailable, "", err
	}
	if !verifier.Enabled(keys) {
		// A provider with no keys is not served: saying so beats 401s that
		// look like forgeries. The log line tells the operator why.
		return errorResponse(http.StatusNotFound, OutcomeUnknownProvider), outcomeProviderNotActive, "", nil
	}
	delivery := provider.Delivery{Header: req.Header, Body: req.Body}
	err = verifier.Verify(ctx, delivery, keys, r.now())
	if errors.Is(err, provider.ErrInvalidSignature) {
		if fresh, changed := r.Keys.Refresh(ctx); changed {
			err = verifier.Verify(ctx, delivery, fresh, r.now())
		}
	}
	if err != nil {
		resp, outcome := verificationFailure(err)
		return resp, outcome, "", nil
	}
	envelope, err := verifier.Parse(delivery)
	if err != nil {
		return errorResponse(http.StatusBadRequest, OutcomeMalformedPayload), OutcomeMalformedPayload, "", nil
	}
	created, err := r.store(ctx, req, verifier, envelope)
	if err != nil {
		return unavailable(), OutcomeUnavailable, envelope.EventID, err
	}
	if !created {
		return statusResponse(OutcomeDuplicate, envelope.EventID), OutcomeDuplicate, envelope.EventID, nil
	}
	return statusResponse(OutcomeAccepted, envelope.EventID), OutcomeAccepted, envelope.EventID, nil
}

func (r *Receiver) store(ctx context.Context, req Request, verifier provider.Verifier, envelope provider.Envelope) (bool, error) {
	received := r.now().UTC()
	signatureHeaders := make(map[string]string, len(verifier.SignatureHeaders()))
	for _, name := range verifier.SignatureHeaders() {
		if value := req.Header.Get(name); value != "" {
			signatureHeaders[name] = value
		}
	}
	ctx, cancel := context.WithTimeout(ctx, r.StoreTimeout)
	defer cancel()
	return r.Store.PutWebhook(ctx, store.Webhook{
		Provider:         req.Provider,
		EventID:          envelope.EventID,
		EventType:        envelope.EventType,
		ReceivedAt:       received,
		OccurredAt:       envelope.OccurredAt,
		Body:             req.Body,
		SignatureHeaders: signatureHeaders,
		SourceIP:         req.SourceIP,
		RequestID:        req.RequestID,
		Status:           store.StatusReceived,
		ExpiresAt:        received.Add(r.Retention),
		UpdatedBy:        store.ByReceiver,
		UpdatedAt:        received,
	})
}

func (r *Receiver) now() time.Time {
	if r.Clock != nil {
		return r.Clock()
	}
	return time.Now()
}

func verificationFailure(err error) (Response, string) {
	switch {
	case errors.Is(err, provider.ErrMissingSignature):
		return errorResponse(http.StatusBadRequest, OutcomeMissingSignature), OutcomeMissingSignature
	case errors.Is(err, provider.ErrTimestampOutOfTolerance):
		return errorResponse(http.StatusUnauthorized, OutcomeTimestampStale), OutcomeTimestampStale
	case errors.Is(err, provider.ErrMalformedPayload):
		return errorResponse(http.StatusBadRequest, OutcomeMalformedPayload), OutcomeMalformedPayload
	case errors.Is(err, provider.ErrVerifierUnavailable):
		return unavailable(), OutcomeUnavailable
	}
	return errorResponse(http.StatusUnauthorized, OutcomeInvalidSignature), OutcomeInvalidSignature
}

func unavailable() Response {
	resp := errorResponse(http.StatusServiceUnavailable, OutcomeUnavailable)
	resp.Header.Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
	return resp
}

// errorResponse bodies are fixed strings: they never echo the request.
func errorResponse(status int, code string) Response {
	return Response{Status: status, Header: jsonHeader(), Body: []byte(`{"error":"` + code + `"}`)}
}

func statusResponse(status, eventID string) Response {
	body, _ := json.Marshal(struct {
		Status string `json:"status"`
		ID     string `json:"id"`
	}{status, eventID})
	return Response{Status: http.StatusOK, Header: jsonHeader(), Body: body}
}

func jsonHeader() http.Header {
	return http.Header{"Content-Type": []string{"application/json"}}
}

// New builds a Receiver from validated settings. certs decides which PayPal
// certificates are trusted: provider.NewPayPalCerts on AWS, a development
// signer's locally.
func New(cfg config.Receiver, keys KeySource, st store.Webhooks, certs provider.CertificateSource, log zerolog.Logger) *Receiver {
	return &Receiver{
		Verifiers:    provider.Verifiers(cfg.TimestampTolerance, certs),
		Keys:         keys,
		Store:        st,
		Log:          log,
		MaxBodyBytes: cfg.MaxBodyBytes,
		Retention:    cfg.Retention,
		StoreTimeout: cfg.StoreTimeout,
	}
}
