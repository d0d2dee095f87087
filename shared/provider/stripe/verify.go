package stripe

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/provider"
)

// Verifier checks the Stripe-Signature header: t=<unix>,v1=<hex>[,v1=<hex>].
// Every v1 is tried against every active signing secret, so a rotation in
// progress (Stripe then sends one v1 per secret) verifies with either one.
type Verifier struct {
	Tolerance time.Duration
}

const signatureHeader = "Stripe-Signature"

func (Verifier) SignatureHeaders() []string { return []string{signatureHeader} }

func (v Verifier) Verify(_ context.Context, d provider.Delivery, keys provider.Keys, now time.Time) (provider.Verified, error) {
	signedAt, signatures, err := parseHeader(d.Header.Get(signatureHeader))
	if err != nil {
		return provider.Verified{}, err
	}
	secrets := keys.List(SigningSecrets)
	expected := make([][]byte, len(secrets))
	for i, secret := range secrets {
		expected[i] = mac(secret, signedAt, d.Body)
	}
	if !provider.MatchesAny(expected, signatures) {
		return provider.Verified{}, provider.ErrInvalidSignature
	}
	if !provider.WithinTolerance(time.Unix(signedAt, 0), now, v.Tolerance) {
		return provider.Verified{}, provider.ErrTimestampOutOfTolerance
	}
	return provider.Verified{Provider: Name}, nil
}

// parseHeader returns the timestamp and the decoded v1 signatures.
// v0 (test mode's legacy scheme) and unknown keys are ignored; a header with
// no v1 at all carries nothing payhook can check. A v1 that is not a
// SHA-256 in hex cannot match and is dropped before any MAC is computed; a
// header longer or with more v1 than a rotation needs is refused whole.
func parseHeader(header string) (int64, [][]byte, error) {
	if len(header) > provider.MaxSignatureHeaderBytes {
		return 0, nil, provider.ErrMissingSignature
	}
	var (
		signedAt   int64
		haveTime   bool
		signatures [][]byte
		candidates int
	)
	for _, part := range strings.Split(header, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch key {
		case "t":
			t, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return 0, nil, provider.ErrMissingSignature
			}
			signedAt, haveTime = t, true
		case "v1":
			if candidates++; candidates > provider.MaxSignatureCandidates {
				return 0, nil, provider.ErrMissingSignature
			}
			if sig, err := hex.DecodeString(value); err == nil && len(sig) == sha256.Size {
				signatures = append(signatures, sig)
			}
		}
	}
	if !haveTime || len(signatures) == 0 {
		return 0, nil, provider.ErrMissingSignature
	}
	return signedAt, signatures, nil
}

// Signature builds a Stripe-Signature header value for body, as Stripe
// does. payhook uses it to send test deliveries; verification never calls it.
func Signature(body []byte, secret string, at time.Time) string {
	return "t=" + strconv.FormatInt(at.Unix(), 10) + ",v1=" + hex.EncodeToString(mac(secret, at.Unix(), body))
}

// mac is HMAC-SHA256 over "<t>.<body>", keyed with the whsec_ string as-is.
func mac(secret string, signedAt int64, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(signedAt, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return mac.Sum(nil)
}

func (Verifier) Parse(d provider.Delivery) ([]provider.Envelope, error) {
	var payload struct {
		ID      string `json:"id"`
		Type    string `json:"type"`
		Created int64  `json:"created"`
	}
	if err := provider.DecodeEnvelope(d.Body, &payload); err != nil {
		return nil, err
	}
	var occurred time.Time
	if payload.Created > 0 {
		occurred = time.Unix(payload.Created, 0).UTC()
	}
	return provider.One(payload.ID, payload.Type, occurred, d.Body)
}
