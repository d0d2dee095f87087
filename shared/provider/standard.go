package provider

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Standard verifies Standard Webhooks (standardwebhooks.com): the signed
// content is "<webhook-id>.<webhook-timestamp>.<body>"; webhook-signature is
// a space-separated list of "v1,<base64 HMAC-SHA256>" (whsec_ secrets) and
// "v1a,<base64 Ed25519>" (whpk_ public keys).
//
// Each key belongs to one sender, and a delivery is stored under the sender
// whose key verified it, so one sender's key can never write another's
// events or payments. The signature list is bounded and filtered before any
// cryptography, and each HMAC key's MAC is computed once, however many v1
// candidates there are. Each v1a candidate costs one Ed25519 check (a hash
// of the body) per public key, so at most two are accepted.
type Standard struct {
	Tolerance time.Duration
}

const (
	standardIDHeader        = "Webhook-Id"
	standardTimestampHeader = "Webhook-Timestamp"
	standardSignatureHeader = "Webhook-Signature"

	standardSecretPrefix    = "whsec_"
	standardPublicKeyPrefix = "whpk_"

	// StandardDefaultSender owns keys configured without a sender name; its
	// webhooks are stored as provider "standard", as before senders existed.
	StandardDefaultSender = "standard"
)

var standardSenderName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

func (Standard) Name() string        { return "standard" }
func (Standard) Enabled(k Keys) bool { return len(k.StandardWebhookSecrets) > 0 }
func (Standard) SignatureHeaders() []string {
	return []string{standardIDHeader, standardTimestampHeader, standardSignatureHeader}
}

// StandardKey is one decoded Standard Webhooks key and the sender it
// belongs to.
type StandardKey struct {
	Sender     string
	HMACSecret []byte            // from whsec_
	PublicKey  ed25519.PublicKey // from whpk_
}

// StandardProvider is the provider name a sender's webhooks are stored
// under: "standard" for the default sender, "standard:<sender>" otherwise.
func StandardProvider(sender string) string {
	if sender == StandardDefaultSender {
		return StandardDefaultSender
	}
	return StandardDefaultSender + ":" + sender
}

// ParseStandardKey decodes "[<sender>=]whsec_..." or "[<sender>=]whpk_...".
func ParseStandardKey(s string) (StandardKey, error) {
	sender := StandardDefaultSender
	if !strings.HasPrefix(s, standardSecretPrefix) && !strings.HasPrefix(s, standardPublicKeyPrefix) {
		name, key, ok := strings.Cut(s, "=")
		if !ok {
			return StandardKey{}, errors.New("key must start with whsec_ or whpk_, optionally after <sender>=")
		}
		if !standardSenderName.MatchString(name) {
			return StandardKey{}, errors.New("sender names are 1 to 32 of a-z, 0-9, _ and -, starting with a letter or digit")
		}
		sender, s = name, key
	}
	switch {
	case strings.HasPrefix(s, standardSecretPrefix):
		secret, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, standardSecretPrefix))
		if err != nil || len(secret) == 0 {
			return StandardKey{}, errors.New("whsec_ secret is not base64")
		}
		return StandardKey{Sender: sender, HMACSecret: secret}, nil
	case strings.HasPrefix(s, standardPublicKeyPrefix):
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, standardPublicKeyPrefix))
		if err != nil || len(key) != ed25519.PublicKeySize {
			return StandardKey{}, errors.New("whpk_ key is not a base64 Ed25519 public key")
		}
		return StandardKey{Sender: sender, PublicKey: ed25519.PublicKey(key)}, nil
	}
	return StandardKey{}, errors.New("key must start with whsec_ or whpk_, optionally after <sender>=")
}

// standardCandidates are the signatures a header lists that could match:
// v1 values that decode to a SHA-256, v1a values that decode to an Ed25519
// signature, each once. Other versions are ignored, as the specification
// asks; a header over the size or candidate bounds is refused whole.
type standardCandidates struct {
	hmac, ed25519 [][]byte
}

func parseStandardSignatures(header string) (standardCandidates, error) {
	var c standardCandidates
	if len(header) > MaxSignatureHeaderBytes {
		return c, ErrMissingSignature
	}
	fields := strings.Fields(header)
	if len(fields) > MaxSignatureCandidates {
		return c, ErrMissingSignature
	}
	for _, field := range fields {
		version, encoded, ok := strings.Cut(field, ",")
		if !ok {
			continue
		}
		signature, err := base64.StdEncoding.Strict().DecodeString(encoded)
		if err != nil {
			continue
		}
		switch {
		case version == "v1" && len(signature) == sha256.Size && !containsBytes(c.hmac, signature):
			c.hmac = append(c.hmac, signature)
		case version == "v1a" && len(signature) == ed25519.SignatureSize && !containsBytes(c.ed25519, signature):
			if len(c.ed25519) == MaxEd25519Candidates {
				return c, ErrMissingSignature
			}
			c.ed25519 = append(c.ed25519, signature)
		}
	}
	return c, nil
}

func containsBytes(list [][]byte, b []byte) bool {
	return slices.ContainsFunc(list, func(x []byte) bool { return string(x) == string(b) })
}

func (s Standard) Verify(_ context.Context, d Delivery, keys Keys, now time.Time) (Verified, error) {
	id := d.Header.Get(standardIDHeader)
	timestamp := d.Header.Get(standardTimestampHeader)
	header := d.Header.Get(standardSignatureHeader)
	if id == "" || timestamp == "" || header == "" {
		return Verified{}, ErrMissingSignature
	}
	signedAt, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return Verified{}, ErrMissingSignature
	}
	candidates, err := parseStandardSignatures(header)
	if err != nil {
		return Verified{}, err
	}
	content := standardSignedContent(id, timestamp, d.Body)
	var senders []string
	for _, raw := range keys.StandardWebhookSecrets {
		key, err := ParseStandardKey(raw)
		if err != nil {
			continue
		}
		matched := false
		if key.HMACSecret != nil {
			matched = matchesAny([][]byte{standardMAC(key.HMACSecret, content)}, candidates.hmac)
		}
		for _, signature := range candidates.ed25519 {
			if key.PublicKey != nil && ed25519.Verify(key.PublicKey, content, signature) {
				matched = true
			}
		}
		if matched && !slices.Contains(senders, key.Sender) {
			senders = append(senders, key.Sender)
		}
	}
	// A delivery speaks for exactly one sender: signatures by two senders'
	// keys cannot say whose namespace it belongs in.
	if len(senders) != 1 {
		return Verified{}, ErrInvalidSignature
	}
	if !withinTolerance(time.Unix(signedAt, 0), now, toleranceOrDefault(s.Tolerance)) {
		return Verified{}, ErrTimestampOutOfTolerance
	}
	return Verified{Provider: StandardProvider(senders[0])}, nil
}

func standardSignedContent(id, timestamp string, body []byte) []byte {
	content := make([]byte, 0, len(id)+len(timestamp)+len(body)+2)
	content = append(content, id...)
	content = append(content, '.')
	content = append(content, timestamp...)
	content = append(content, '.')
	return append(content, body...)
}

// SignStandard builds a v1 webhook-signature value with a whsec_ secret
// (bare or bound to a sender).
func SignStandard(body []byte, secret, id string, at time.Time) (string, error) {
	key, err := ParseStandardKey(secret)
	if err != nil || key.HMACSecret == nil {
		return "", errors.New("signing needs a whsec_ secret")
	}
	content := standardSignedContent(id, strconv.FormatInt(at.Unix(), 10), body)
	return "v1," + base64.StdEncoding.EncodeToString(standardMAC(key.HMACSecret, content)), nil
}

func standardMAC(secret, content []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write(content)
	return mac.Sum(nil)
}

// Parse takes the event id from webhook-id, which the spec makes the
// idempotency key, and the type and time from the payload.
func (Standard) Parse(d Delivery) (Envelope, error) {
	var payload struct {
		Type      string `json:"type"`
		Timestamp string `json:"timestamp"`
	}
	if err := json.Unmarshal(d.Body, &payload); err != nil {
		return Envelope{}, ErrMalformedPayload
	}
	occurred := parseRFC3339(payload.Timestamp)
	if occurred.IsZero() {
		if unix, err := strconv.ParseInt(d.Header.Get(standardTimestampHeader), 10, 64); err == nil {
			occurred = time.Unix(unix, 0).UTC()
		}
	}
	return newEnvelope(d.Header.Get(standardIDHeader), payload.Type, occurred)
}
