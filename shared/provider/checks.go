package provider

import (
	"context"
	"crypto/subtle"
	"crypto/x509"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
)

// Limits on what a delivery may carry. A signature header lists one
// candidate per active key during a rotation: a handful, never more. An
// HMAC candidate costs a comparison (each key's MAC is computed once); an
// Ed25519 candidate costs a hash of the whole body per public key, so a
// header may list at most two, which a sender rotating its key needs.
// Event ids and types become table keys and log fields: DynamoDB refuses
// keys over 2 KB, and no provider's ids come near these bounds. A batch
// provider sends up to a few hundred events at once (GoCardless, 250).
const (
	MaxSignatureHeaderBytes = 2048
	MaxSignatureCandidates  = 8
	MaxEd25519Candidates    = 2
	MaxEventIDBytes         = 256
	MaxEventTypeBytes       = 128
	MaxBatchEvents          = 1000
)

// CertificateSource returns the verified signing certificate at certURL.
type CertificateSource interface {
	Certificate(ctx context.Context, certURL string) (*x509.Certificate, error)
}

// WithinTolerance reports whether signedAt is within tolerance of now,
// either way; a tolerance of zero means DefaultTolerance.
func WithinTolerance(signedAt, now time.Time, tolerance time.Duration) bool {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	d := now.Sub(signedAt)
	return d <= tolerance && d >= -tolerance
}

// MatchesAny reports whether any candidate equals any expected MAC. Every
// pair is compared in constant time, with no early exit, so the work done
// depends only on how many there are, never on which one matched. The
// caller computes each expected MAC once, whatever the number of candidates.
func MatchesAny(expected, candidates [][]byte) bool {
	matched := 0
	for _, mac := range expected {
		for _, candidate := range candidates {
			matched |= subtle.ConstantTimeCompare(mac, candidate)
		}
	}
	return matched == 1
}

// NewEnvelope checks the identifiers a parser read: present, valid UTF-8
// without control characters, and within bounds. They become keys of the
// table and fields of logs and terminals, so anything else is refused as
// malformed before it reaches either.
func NewEnvelope(eventID, eventType string, occurredAt time.Time, body []byte) (Envelope, error) {
	if !WellFormedIdentifier(eventID, MaxEventIDBytes) || !WellFormedIdentifier(eventType, MaxEventTypeBytes) {
		return Envelope{}, ErrMalformedPayload
	}
	return Envelope{EventID: eventID, EventType: eventType, OccurredAt: occurredAt, Body: body}, nil
}

// One is the envelope of a delivery that carries a single event.
func One(eventID, eventType string, occurredAt time.Time, body []byte) ([]Envelope, error) {
	e, err := NewEnvelope(eventID, eventType, occurredAt, body)
	if err != nil {
		return nil, err
	}
	return []Envelope{e}, nil
}

// WellFormedIdentifier reports whether s is non-empty valid UTF-8 of at
// most maxBytes, without control characters.
func WellFormedIdentifier(s string, maxBytes int) bool {
	if s == "" || len(s) > maxBytes || !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError })
}

// DecodeEnvelope unmarshals a payload for Parse in one pass that also
// validates the whole body (JSON v2): any fault is ErrMalformedPayload,
// whose text never quotes the body. v2 is also stricter where a forger
// would probe: a duplicate member name, invalid UTF-8, or a member
// matching a field only when case is ignored are refused or not taken.
func DecodeEnvelope(body []byte, into any) error {
	if err := jsonv2.Unmarshal(body, into); err != nil {
		return ErrMalformedPayload
	}
	return nil
}

// ParseRFC3339 reads a provider's timestamp; an absent or odd one is left
// zero rather than rejecting an otherwise genuine event.
func ParseRFC3339(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		// Square's API shows times without a zone in places
		// ("2022-04-26T10:08:40.454726"); they are UTC.
		if t, err = time.Parse("2006-01-02T15:04:05.999999999", s); err != nil {
			return time.Time{}
		}
	}
	return t.UTC()
}
