// Package stripe is Stripe: Stripe-Signature verification, the mapping of
// Stripe's events, and development deliveries.
package stripe

import (
	"errors"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/provider"
)

// Name is Stripe's route and stored provider name.
const Name = "stripe"

// SigningSecrets is the setting holding the endpoint's whsec_ secrets.
const SigningSecrets = "PAYHOOK_STRIPE_SIGNING_SECRETS" //nolint:gosec // G101: a setting's name

// Provider is Stripe. Stripe retries for up to three days.
var Provider = provider.Provider{
	Name:    Name,
	Title:   "Stripe",
	Summary: "`Stripe-Signature`: HMAC-SHA256 of the timestamp and the body; the timestamp within `PAYHOOK_TIMESTAMP_TOLERANCE`",
	Settings: append([]provider.Setting{{
		Name: SigningSecrets, List: true,
		Help:  "the endpoint's signing secrets (whsec_...), several during a rotation",
		Check: checkSecret,
	}}, apiSettings...),
	Redelivery:  72 * time.Hour,
	NewVerifier: func(c provider.Config) provider.Verifier { return Verifier{Tolerance: c.Tolerance} },
	Normalize:   normalize,
	Development: development{},
	Events:      eventAPI,
}

func checkSecret(s string) error {
	if !strings.HasPrefix(s, "whsec_") {
		return errors.New("every secret must start with whsec_")
	}
	return nil
}
