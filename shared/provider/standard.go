package provider

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Standard verifies Standard Webhooks (standardwebhooks.com): the signed
// content is "<webhook-id>.<webhook-timestamp>.<body>"; webhook-signature is
// a space-separated list of "v1,<base64 HMAC-SHA256>" (whsec_ secrets) and
// "v1a,<base64 Ed25519>" (whpk_ public keys). Any match with any key passes.
type Standard struct {
	Tolerance time.Duration
}

const (
	standardIDHeader        = "Webhook-Id"
	standardTimestampHeader = "Webhook-Timestamp"
	standardSignatureHeader = "Webhook-Signature"

	standardSecretPrefix    = "whsec_"
	standardPublicKeyPrefix = "whpk_"
)

func (Standard) Name() string        { return "standard" }
func (Standard) Enabled(k Keys) bool { return len(k.StandardWebhookSecrets) > 0 }
func (Standard) SignatureHeaders() []string {
	return []string{standardIDHeader, standardTimestampHeader, standardSignatureHeader}
}

// StandardKey is one decoded Standard Webhooks key.
type StandardKey struct {
	HMACSecret []byte            // from whsec_
	PublicKey  ed25519.PublicKey // from whpk_
}

// ParseStandardKey decodes a whsec_ secret or a whpk_ public key.
func ParseStandardKey(s string) (StandardKey, error) {
	switch {
	case strings.HasPrefix(s, standardSecretPrefix):
		secret, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, standardSecretPrefix))
		if err != nil || len(secret) == 0 {
			return StandardKey{}, errors.New("whsec_ secret is not base64")
		}
		return StandardKey{HMACSecret: secret}, nil
	case strings.HasPrefix(s, standardPublicKeyPrefix):
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, standardPublicKeyPrefix))
		if err != nil || len(key) != ed25519.PublicKeySize {
			return StandardKey{}, errors.New("whpk_ key is not a base64 Ed25519 public key")
		}
		return StandardKey{PublicKey: ed25519.PublicKey(key)}, nil
	}
	return StandardKey{}, errors.New("key must start with whsec_ or whpk_")
}

func (s Standard) Verify(_ context.Context, d Delivery, keys Keys, now time.Time) error {
	id := d.Header.Get(standardIDHeader)
	timestamp := d.Header.Get(standardTimestampHeader)
	header := d.Header.Get(standardSignatureHeader)
	if id == "" || timestamp == "" || header == "" {
		return ErrMissingSignature
	}
	signedAt, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrMissingSignature
	}
	content := standardSignedContent(id, timestamp, d.Body)
	matched := false
	for _, raw := range keys.StandardWebhookSecrets {
		key, err := ParseStandardKey(raw)
		if err != nil {
			continue
		}
		for _, candidate := range strings.Fields(header) {
			if standardSignatureMatches(key, candidate, content) {
				matched = true
			}
		}
	}
	if !matched {
		return ErrInvalidSignature
	}
	if !withinTolerance(time.Unix(signedAt, 0), now, orDefault(s.Tolerance)) {
		return ErrTimestampOutOfTolerance
	}
	return nil
}

func standardSignedContent(id, timestamp string, body []byte) []byte {
	content := make([]byte, 0, len(id)+len(timestamp)+len(body)+2)
	content = append(content, id...)
	content = append(content, '.')
	content = append(content, timestamp...)
	content = append(content, '.')
	return append(content, body...)
}

func standardSignatureMatches(key StandardKey, candidate string, content []byte) bool {
	version, encoded, ok := strings.Cut(candidate, ",")
	if !ok {
		return false
	}
	signature, err := base64.StdEncoding.Strict().DecodeString(encoded)
	if err != nil {
		return false
	}
	switch {
	case version == "v1" && key.HMACSecret != nil:
		return hmac.Equal(standardMAC(key.HMACSecret, content), signature)
	case version == "v1a" && key.PublicKey != nil:
		return ed25519.Verify(key.PublicKey, content, signature)
	}
	return false
}

// SignStandard builds a v1 webhook-signature value with a whsec_ secret.
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
	id := d.Header.Get(standardIDHeader)
	if err := json.Unmarshal(d.Body, &payload); err != nil || id == "" || payload.Type == "" {
		return Envelope{}, ErrMalformedPayload
	}
	occurred := parseRFC3339(payload.Timestamp)
	if occurred.IsZero() {
		if unix, err := strconv.ParseInt(d.Header.Get(standardTimestampHeader), 10, 64); err == nil {
			occurred = time.Unix(unix, 0).UTC()
		}
	}
	return Envelope{EventID: id, EventType: payload.Type, OccurredAt: occurred}, nil
}
