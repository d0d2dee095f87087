package provider

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Stripe verifies the Stripe-Signature header: t=<unix>,v1=<hex>[,v1=<hex>].
// Every v1 is tried against every active signing secret, so a rotation in
// progress (Stripe then sends one v1 per secret) verifies with either one.
type Stripe struct {
	Tolerance time.Duration
}

const stripeSignatureHeader = "Stripe-Signature"

func (Stripe) Name() string               { return "stripe" }
func (Stripe) Enabled(k Keys) bool        { return len(k.StripeSigningSecrets) > 0 }
func (Stripe) SignatureHeaders() []string { return []string{stripeSignatureHeader} }

func (s Stripe) Verify(_ context.Context, d Delivery, keys Keys, now time.Time) (Verified, error) {
	signedAt, signatures, err := parseStripeHeader(d.Header.Get(stripeSignatureHeader))
	if err != nil {
		return Verified{}, err
	}
	expected := make([][]byte, len(keys.StripeSigningSecrets))
	for i, secret := range keys.StripeSigningSecrets {
		expected[i] = stripeMAC(secret, signedAt, d.Body)
	}
	if !matchesAny(expected, signatures) {
		return Verified{}, ErrInvalidSignature
	}
	if !withinTolerance(time.Unix(signedAt, 0), now, toleranceOrDefault(s.Tolerance)) {
		return Verified{}, ErrTimestampOutOfTolerance
	}
	return Verified{Provider: s.Name()}, nil
}

// parseStripeHeader returns the timestamp and the decoded v1 signatures.
// v0 (test mode's legacy scheme) and unknown keys are ignored; a header with
// no v1 at all carries nothing payhook can check. A v1 that is not a
// SHA-256 in hex cannot match and is dropped before any MAC is computed; a
// header longer or with more v1 than a rotation needs is refused whole.
func parseStripeHeader(header string) (int64, [][]byte, error) {
	if len(header) > MaxSignatureHeaderBytes {
		return 0, nil, ErrMissingSignature
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
				return 0, nil, ErrMissingSignature
			}
			signedAt, haveTime = t, true
		case "v1":
			if candidates++; candidates > MaxSignatureCandidates {
				return 0, nil, ErrMissingSignature
			}
			if sig, err := hex.DecodeString(value); err == nil && len(sig) == sha256.Size {
				signatures = append(signatures, sig)
			}
		}
	}
	if !haveTime || len(signatures) == 0 {
		return 0, nil, ErrMissingSignature
	}
	return signedAt, signatures, nil
}

// SignStripe builds a Stripe-Signature header value for body, as Stripe does.
// payhook uses it to send test deliveries; verification never calls it.
func SignStripe(body []byte, secret string, at time.Time) string {
	return "t=" + strconv.FormatInt(at.Unix(), 10) + ",v1=" + hex.EncodeToString(stripeMAC(secret, at.Unix(), body))
}

// stripeMAC is HMAC-SHA256 over "<t>.<body>", keyed with the whsec_ string as-is.
func stripeMAC(secret string, signedAt int64, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(signedAt, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return mac.Sum(nil)
}

func (Stripe) Parse(d Delivery) (Envelope, error) {
	var payload struct {
		ID      string `json:"id"`
		Type    string `json:"type"`
		Created int64  `json:"created"`
	}
	if err := json.Unmarshal(d.Body, &payload); err != nil {
		return Envelope{}, ErrMalformedPayload
	}
	var occurred time.Time
	if payload.Created > 0 {
		occurred = time.Unix(payload.Created, 0).UTC()
	}
	return newEnvelope(payload.ID, payload.Type, occurred)
}
