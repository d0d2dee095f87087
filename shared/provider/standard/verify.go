package standard

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/provider"
)

// Verifier checks Standard Webhooks (standardwebhooks.com): the signed
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
type Verifier struct {
	Tolerance time.Duration
}

const (
	idHeader        = "Webhook-Id"
	timestampHeader = "Webhook-Timestamp"
	signatureHeader = "Webhook-Signature"

	secretPrefix    = "whsec_"
	publicKeyPrefix = "whpk_"

	// DefaultSender owns keys configured without a sender name; its
	// webhooks are stored as provider "standard", as before senders existed.
	DefaultSender = "standard"
)

var senderName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

func (Verifier) SignatureHeaders() []string {
	return []string{idHeader, timestampHeader, signatureHeader}
}

// Key is one decoded Standard Webhooks key and the sender it
// belongs to.
type Key struct {
	Sender     string
	HMACSecret []byte            // from whsec_
	PublicKey  ed25519.PublicKey // from whpk_
}

// StoredAs is the provider name a sender's webhooks are stored
// under: "standard" for the default sender, "standard:<sender>" otherwise.
func StoredAs(sender string) string {
	if sender == DefaultSender {
		return DefaultSender
	}
	return DefaultSender + ":" + sender
}

// ParseKey decodes "[<sender>=]whsec_..." or "[<sender>=]whpk_...".
func ParseKey(s string) (Key, error) {
	sender := DefaultSender
	if !strings.HasPrefix(s, secretPrefix) && !strings.HasPrefix(s, publicKeyPrefix) {
		name, key, ok := strings.Cut(s, "=")
		if !ok {
			return Key{}, errors.New("key must start with whsec_ or whpk_, optionally after <sender>=")
		}
		if !senderName.MatchString(name) {
			return Key{}, errors.New("sender names are 1 to 32 of a-z, 0-9, _ and -, starting with a letter or digit")
		}
		sender, s = name, key
	}
	switch {
	case strings.HasPrefix(s, secretPrefix):
		secret, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, secretPrefix))
		if err != nil || len(secret) == 0 {
			return Key{}, errors.New("whsec_ secret is not base64")
		}
		return Key{Sender: sender, HMACSecret: secret}, nil
	case strings.HasPrefix(s, publicKeyPrefix):
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, publicKeyPrefix))
		if err != nil || len(key) != ed25519.PublicKeySize {
			return Key{}, errors.New("whpk_ key is not a base64 Ed25519 public key")
		}
		return Key{Sender: sender, PublicKey: ed25519.PublicKey(key)}, nil
	}
	return Key{}, errors.New("key must start with whsec_ or whpk_, optionally after <sender>=")
}

// candidates are the signatures a header lists that could match:
// v1 values that decode to a SHA-256, v1a values that decode to an Ed25519
// signature, each once. Other versions are ignored, as the specification
// asks; a header over the size or candidate bounds is refused whole.
type candidates struct {
	hmac, ed25519 [][]byte
}

func parseSignatures(header string) (candidates, error) {
	var c candidates
	if len(header) > provider.MaxSignatureHeaderBytes {
		return c, provider.ErrMissingSignature
	}
	fields := strings.Fields(header)
	if len(fields) > provider.MaxSignatureCandidates {
		return c, provider.ErrMissingSignature
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
			if len(c.ed25519) == provider.MaxEd25519Candidates {
				return c, provider.ErrMissingSignature
			}
			c.ed25519 = append(c.ed25519, signature)
		}
	}
	return c, nil
}

func containsBytes(list [][]byte, b []byte) bool {
	return slices.ContainsFunc(list, func(x []byte) bool { return string(x) == string(b) })
}

func (v Verifier) Verify(_ context.Context, d provider.Delivery, keys provider.Keys, now time.Time) (provider.Verified, error) {
	id := d.Header.Get(idHeader)
	timestamp := d.Header.Get(timestampHeader)
	header := d.Header.Get(signatureHeader)
	if id == "" || timestamp == "" || header == "" {
		return provider.Verified{}, provider.ErrMissingSignature
	}
	signedAt, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return provider.Verified{}, provider.ErrMissingSignature
	}
	candidates, err := parseSignatures(header)
	if err != nil {
		return provider.Verified{}, err
	}
	content := signedContent(id, timestamp, d.Body)
	var senders []string
	for _, raw := range keys.List(Secrets) {
		key, err := ParseKey(raw)
		if err != nil {
			continue
		}
		matched := false
		if key.HMACSecret != nil {
			matched = provider.MatchesAny([][]byte{mac(key.HMACSecret, content)}, candidates.hmac)
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
		return provider.Verified{}, provider.ErrInvalidSignature
	}
	if !provider.WithinTolerance(time.Unix(signedAt, 0), now, v.Tolerance) {
		return provider.Verified{}, provider.ErrTimestampOutOfTolerance
	}
	return provider.Verified{Provider: StoredAs(senders[0])}, nil
}

func signedContent(id, timestamp string, body []byte) []byte {
	content := make([]byte, 0, len(id)+len(timestamp)+len(body)+2)
	content = append(content, id...)
	content = append(content, '.')
	content = append(content, timestamp...)
	content = append(content, '.')
	return append(content, body...)
}

// Signature builds a v1 webhook-signature value with a whsec_ secret
// (bare or bound to a sender).
func Signature(body []byte, secret, id string, at time.Time) (string, error) {
	key, err := ParseKey(secret)
	if err != nil || key.HMACSecret == nil {
		return "", errors.New("signing needs a whsec_ secret")
	}
	content := signedContent(id, strconv.FormatInt(at.Unix(), 10), body)
	return "v1," + base64.StdEncoding.EncodeToString(mac(key.HMACSecret, content)), nil
}

func mac(secret, content []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write(content)
	return mac.Sum(nil)
}

// Parse takes the event id from webhook-id, which the spec makes the
// idempotency key, and the type and time from the payload.
func (Verifier) Parse(d provider.Delivery) ([]provider.Envelope, error) {
	var payload struct {
		Type      string `json:"type"`
		Timestamp string `json:"timestamp"`
	}
	if err := provider.DecodeEnvelope(d.Body, &payload); err != nil {
		return nil, err
	}
	occurred := provider.ParseRFC3339(payload.Timestamp)
	if occurred.IsZero() {
		if unix, err := strconv.ParseInt(d.Header.Get(timestampHeader), 10, 64); err == nil {
			occurred = time.Unix(unix, 0).UTC()
		}
	}
	return provider.One(d.Header.Get(idHeader), payload.Type, occurred, d.Body)
}
