package gocardless

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/payhook/payhook/shared/provider"
)

// Verifier checks the Webhook-Signature header: the hex HMAC-SHA256 of the
// raw body, keyed with the endpoint's secret as it is. GoCardless signs no
// time, so a captured delivery verifies forever: replays are stopped by
// deduplication on each event's id alone, while the webhooks are kept.
//
// GoCardless documents 498 for a bad signature; payhook answers 401, as for
// every provider. GoCardless treats any answer but a 2xx as a failure and
// retries, so both come to the same.
type Verifier struct{}

const signatureHeader = "Webhook-Signature"

func (Verifier) SignatureHeaders() []string { return []string{signatureHeader} }

func (Verifier) Verify(_ context.Context, d provider.Delivery, keys provider.Keys, _ time.Time) (provider.Verified, error) {
	header := d.Header.Get(signatureHeader)
	if len(header) != 2*sha256.Size {
		return provider.Verified{}, provider.ErrMissingSignature
	}
	signature, err := hex.DecodeString(header)
	if err != nil {
		return provider.Verified{}, provider.ErrMissingSignature
	}
	secrets := keys.List(WebhookSecrets)
	expected := make([][]byte, len(secrets))
	for i, secret := range secrets {
		expected[i] = mac(secret, d.Body)
	}
	if !provider.MatchesAny(expected, [][]byte{signature}) {
		return provider.Verified{}, provider.ErrInvalidSignature
	}
	return provider.Verified{Provider: Name}, nil
}

// Signature builds the Webhook-Signature value, as GoCardless does.
func Signature(body []byte, secret string) string {
	return hex.EncodeToString(mac(secret, body))
}

func mac(secret string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}

// Parse reads each event of the delivery: its id (the idempotency key), its
// type as "<resource_type>.<action>", its time, and its own JSON, which is
// what is stored. One event without an id or type refuses the whole
// delivery as malformed: nothing half-read is stored, and GoCardless
// retries. The same id twice in one delivery is kept twice; the store
// counts the second a duplicate.
func (Verifier) Parse(d provider.Delivery) ([]provider.Envelope, error) {
	var delivery struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := provider.DecodeEnvelope(d.Body, &delivery); err != nil {
		return nil, err
	}
	if len(delivery.Events) == 0 || len(delivery.Events) > provider.MaxBatchEvents {
		return nil, provider.ErrMalformedPayload
	}
	envelopes := make([]provider.Envelope, len(delivery.Events))
	for i, raw := range delivery.Events {
		var event struct {
			ID           string `json:"id"`
			CreatedAt    string `json:"created_at"`
			ResourceType string `json:"resource_type"`
			Action       string `json:"action"`
		}
		if err := provider.DecodeEnvelope(raw, &event); err != nil {
			return nil, err
		}
		if event.ResourceType == "" || event.Action == "" {
			return nil, provider.ErrMalformedPayload
		}
		e, err := provider.NewEnvelope(event.ID, event.ResourceType+"."+event.Action, provider.ParseRFC3339(event.CreatedAt), raw)
		if err != nil {
			return nil, err
		}
		envelopes[i] = e
	}
	return envelopes, nil
}
