// Package standard is Standard Webhooks (standardwebhooks.com): any sender
// that signs that way, each sender under its own name, with HMAC secrets or
// Ed25519 public keys.
package standard

import (
	"time"

	"github.com/payhook/payhook/shared/provider"
)

// Name is the route of every Standard Webhooks sender, and the stored
// provider name of the default one.
const Name = "standard"

// Secrets is the setting holding every sender's keys: whsec_ secrets and
// whpk_ public keys, each bare (the sender named "standard") or bound to a
// sender as "<sender>=<key>".
const Secrets = "PAYHOOK_STANDARD_WEBHOOK_SECRETS" //nolint:gosec // G101: a setting's name

// Provider is Standard Webhooks. The specification's retry schedule ends
// about 28 hours after the first attempt; a sender may retry longer, so
// this allows three days, like Stripe and PayPal.
var Provider = provider.Provider{
	Name:    Name,
	Title:   "Standard Webhooks",
	Summary: "`webhook-signature`: HMAC-SHA256 (`whsec_`) or Ed25519 (`whpk_`) of the id, the timestamp and the body; the timestamp within `PAYHOOK_TIMESTAMP_TOLERANCE`; each key bound to a sender",
	Settings: []provider.Setting{{
		Name: Secrets, List: true,
		Help: "whsec_ secrets and whpk_ public keys, each optionally bound to a sender as sender=key",
		Check: func(s string) error {
			_, err := ParseKey(s)
			return err
		},
	}},
	Redelivery:  72 * time.Hour,
	NewVerifier: func(c provider.Config) provider.Verifier { return Verifier{Tolerance: c.Tolerance} },
	Normalize:   normalize,
	Development: development{},
}

// StoredAsForKey is where a delivery signed with key is stored: under its
// sender's name.
func StoredAsForKey(key string) string {
	parsed, err := ParseKey(key)
	if err != nil {
		return Name
	}
	return StoredAs(parsed.Sender)
}
