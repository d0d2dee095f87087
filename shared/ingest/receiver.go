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
	OutcomeUnstorable        = "unstorable"
	outcomeProviderNotActive = "provider_not_configured"
)

// result is what handling one delivery came to: the answer, the outcome
// logged, and what the log line may name.
type result struct {
	resp    Response
	outcome string
	eventID string
	cause   error
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
	if res.eventID != "" {
		event = event.Str("event_id", res.eventID)
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
	event.Str("outcome", res.outcome).Int("status", res.resp.Status).
		Int("body_bytes", len(req.Body)).Str("source_ip", req.SourceIP).
		Dur("duration_ms", r.now().Sub(started)).Msg("webhook")
	return res.resp
}

func refused(status int, outcome string) result {
	return result{resp: errorResponse(status, outcome), outcome: outcome}
}

func (r *Receiver) handle(ctx context.Context, req Request) result {
	verifier, known := r.Verifiers[req.Provider]
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
	if !verifier.Enabled(keys) {
		// A provider with no keys is not served: saying so beats 401s that
		// look like forgeries. The log line tells the operator why.
		return result{resp: errorResponse(http.StatusNotFound, OutcomeUnknownProvider), outcome: outcomeProviderNotActive}
	}
	delivery := provider.Delivery{Header: req.Header, Body: req.Body}
	verified, err := verifier.Verify(ctx, delivery, keys, r.now())
	if errors.Is(err, provider.ErrInvalidSignature) {
		if fresh, changed := r.Keys.Refresh(ctx); changed {
			verified, err = verifier.Verify(ctx, delivery, fresh, r.now())
		}
	}
	if err != nil {
		return verificationFailure(err)
	}
	envelope, parseErr := verifier.Parse(delivery)
	// One budget for every write, well inside the provider's own timeout.
	ctx, cancel := context.WithTimeout(ctx, r.StoreTimeout)
	defer cancel()
	received := r.now().UTC()
	if verified.Transmission != "" {
		// Bound before anything else is decided, a malformed body too:
		// genuine headers are never left free to carry another body.
		same, err := r.Store.BindTransmission(ctx, store.Binding{
			Provider: verified.Provider, Transmission: verified.Transmission, BodySHA256: sha256.Sum256(req.Body),
			EventID: envelope.EventID, ReceivedAt: received, ExpiresAt: received.Add(r.Retention),
		})
		if err != nil {
			return storeFailure(err, envelope.EventID)
		}
		if !same {
			res := refused(http.StatusUnauthorized, OutcomeInvalidSignature)
			res.cause, res.eventID, res.transmission = errTransmissionRebound, envelope.EventID, verified.Transmission
			return res
		}
	}
	if parseErr != nil {
		return refused(http.StatusBadRequest, OutcomeMalformedPayload)
	}
	res := result{eventID: envelope.EventID}
	if verified.Provider != req.Provider {
		res.storedAs = verified.Provider
	}
	created, err := r.store(ctx, req, verifier, verified, envelope, received)
	switch {
	case err != nil:
		failed := storeFailure(err, envelope.EventID)
		failed.storedAs = res.storedAs
		return failed
	case created:
		res.resp, res.outcome = statusResponse(OutcomeAccepted, envelope.EventID), OutcomeAccepted
	default:
		res.resp, res.outcome = statusResponse(OutcomeDuplicate, envelope.EventID), OutcomeDuplicate
	}
	return res
}

// errTransmissionRebound is why genuine signature headers are refused: the
// transmission they sign already carried another body.
var errTransmissionRebound = errors.New("the transmission's signature headers came with a different body before: a body forged to the same CRC32")

// storeFailure answers a failed write: 422 when the store refuses the item
// for good (the provider's retries cannot help, and an operator must know),
// 503 for anything a retry may get past.
func storeFailure(err error, eventID string) result {
	if errors.Is(err, store.ErrRejected) {
		return result{resp: errorResponse(http.StatusUnprocessableEntity, OutcomeUnstorable), outcome: OutcomeUnstorable, eventID: eventID, cause: err}
	}
	return result{resp: unavailable(), outcome: OutcomeUnavailable, eventID: eventID, cause: err}
}

func (r *Receiver) store(ctx context.Context, req Request, verifier provider.Verifier, verified provider.Verified, envelope provider.Envelope, received time.Time) (bool, error) {
	signatureHeaders := make(map[string]string, len(verifier.SignatureHeaders()))
	for _, name := range verifier.SignatureHeaders() {
		if value := req.Header.Get(name); value != "" {
			signatureHeaders[name] = value
		}
	}
	return r.Store.PutWebhook(ctx, store.Webhook{
		Provider:         verified.Provider,
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
		Verifiers:    provider.Verifiers(cfg.TimestampTolerance, certs, cfg.PayPalTransmissionWindow),
		Keys:         keys,
		Store:        st,
		Log:          log,
		MaxBodyBytes: cfg.MaxBodyBytes,
		Retention:    cfg.Retention,
		StoreTimeout: cfg.StoreTimeout,
	}
}
