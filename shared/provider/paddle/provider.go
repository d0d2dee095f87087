// Package paddle is Paddle Billing: Paddle-Signature verification, the
// mapping of Paddle's transaction and adjustment events, and development
// deliveries. Paddle Classic's p_signature (an RSA signature over
// form fields) is another scheme, which payhook does not serve.
package paddle

import (
	"errors"
	"strings"
	"time"
	"unicode"

	"github.com/payhook/payhook/shared/provider"
)

// Name is Paddle's route and stored provider name.
const Name = "paddle"

// SecretKeys is the setting holding the notification destinations'
// secret keys.
const SecretKeys = "PAYHOOK_PADDLE_SECRET_KEYS" //nolint:gosec // G101: a setting's name

// Provider is Paddle. For live accounts Paddle retries an unacknowledged
// notification up to 60 times over 3 days ("Handle webhook delivery"),
// maybe with its first signature, which the tolerance refuses once stale:
// reconciliation recovers those from Paddle's event stream.
var Provider = provider.Provider{
	Name:    Name,
	Title:   "Paddle",
	Summary: "`Paddle-Signature`: HMAC-SHA256 of the timestamp and the body; the timestamp within `PAYHOOK_TIMESTAMP_TOLERANCE` (a retry Paddle signed before an outage is stale: reconciliation recovers it)",
	Settings: append([]provider.Setting{{
		Name: SecretKeys, List: true,
		Help:  "the notification destinations' secret keys (pdl_ntfset_...), several during a rotation",
		Check: checkSecret,
	}}, apiSettings...),
	Redelivery:  72 * time.Hour,
	NewVerifier: func(c provider.Config) provider.Verifier { return Verifier{Tolerance: c.Tolerance} },
	Normalize:   normalize,
	Development: development{},
	Events:      eventAPI,
}

// checkSecret refuses what could never match: a secret is used as-is, so a
// key pasted with a space or a newline would fail every delivery. Its
// prefix is not checked: Paddle's docs show pdl_ntfset_, its SDKs' tests
// use pdl_ntf_ too, and the key is only ever an opaque string to the HMAC,
// so a prefix check could only refuse a key of a shape Paddle issues next.
func checkSecret(s string) error {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return errors.New("every secret key must be non-empty, without whitespace or control characters")
	}
	return nil
}
