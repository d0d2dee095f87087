// Package gocardless is GoCardless (Pro API): Webhook-Signature
// verification, deliveries that carry a batch of unrelated events, the
// mapping of GoCardless's payment and refund events, and development
// deliveries.
package gocardless

import (
	"errors"
	"strings"
	"time"
	"unicode"

	"github.com/payhook/payhook/shared/provider"
)

// Name is GoCardless's route and stored provider name.
const Name = "gocardless"

// WebhookSecrets is the setting holding the webhook endpoints' secrets.
const WebhookSecrets = "PAYHOOK_GOCARDLESS_WEBHOOK_SECRETS" //nolint:gosec // G101: a setting's name

// Provider is GoCardless. It retries a failed webhook up to 8 times at
// increasing intervals and does not say for how long in all; payhook
// allows a week, which its retention (a floor, 35 days by default) covers
// many times over.
var Provider = provider.Provider{
	Name:    Name,
	Title:   "GoCardless",
	Summary: "`Webhook-Signature`: HMAC-SHA256 of the body; no timestamp, so a replay stops at deduplication; a delivery's events (a batch) are stored together or not at all",
	Settings: append([]provider.Setting{{
		Name: WebhookSecrets, List: true,
		Help:  "the webhook endpoints' secrets, several during a rotation",
		Check: checkSecret,
	}}, apiSettings...),
	Redelivery:  7 * 24 * time.Hour,
	NewVerifier: func(provider.Config) provider.Verifier { return Verifier{} },
	Normalize:   normalize,
	Development: development{},
	Events:      eventAPI,
}

// checkSecret refuses what could never match: a secret is used as-is, so
// one pasted with a space or a newline would fail every delivery.
func checkSecret(s string) error {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return errors.New("every secret must be non-empty, without whitespace or control characters")
	}
	return nil
}
