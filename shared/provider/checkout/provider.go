// Package checkout is Checkout.com: Cko-Signature verification, with the
// optional static Authorization header, the mapping of Checkout.com's
// payment and dispute events, and development deliveries.
package checkout

import (
	"errors"
	"strings"
	"time"
	"unicode"

	"github.com/payhook/payhook/shared/provider"
)

// Name is Checkout.com's route and stored provider name.
const Name = "checkout"

// Checkout.com's settings: the webhook's signature keys, and the static
// Authorization header value, when the webhook was given one.
const (
	SignatureKeys     = "PAYHOOK_CHECKOUT_SIGNATURE_KEYS"
	AuthorizationKeys = "PAYHOOK_CHECKOUT_AUTHORIZATION_KEYS"
)

// Provider is Checkout.com. It retries an unacknowledged webhook eight
// times, 5 min, 10 min, 15 min, 30 min, 1 h, 4 h, 12 h and 12 h after each
// previous attempt, then cancels it ("Receive webhooks", automatic
// retries): the last retry comes 30 hours after the first attempt, plus the
// seconds the attempts themselves take, which the day retention keeps
// beyond Redelivery absorbs. A webhook is kept from its first receipt, so a
// first attempt that Checkout.com itself sent late changes nothing.
var Provider = provider.Provider{
	Name:    Name,
	Title:   "Checkout.com",
	Summary: "`Cko-Signature`: HMAC-SHA256 of the body, and the static `Authorization` value when one is configured; no timestamp, so a replay stops at deduplication",
	Settings: append([]provider.Setting{
		{Name: SignatureKeys, List: true, Check: checkValue,
			Help: "the webhook's signature keys, exactly as entered in Checkout.com, several during a rotation"},
		{Name: AuthorizationKeys, List: true, Optional: true, Check: checkValue,
			Help: "the webhook's Authorization header value, if it was given one, several during a rotation: then every delivery must carry one of them"},
	}, apiSettings...),
	Redelivery:  30 * time.Hour,
	NewVerifier: func(provider.Config) provider.Verifier { return Verifier{} },
	Normalize:   normalize,
	Development: development{},
	Events:      eventAPI,
}

// checkValue refuses what could never match: lists are comma-separated,
// and a header cannot carry control characters (a key pasted with its
// newline would fail every delivery).
func checkValue(s string) error {
	if s == "" || strings.ContainsRune(s, ',') || strings.ContainsFunc(s, unicode.IsControl) {
		return errors.New("every value must be non-empty, without commas or control characters")
	}
	return nil
}
