// Package paypal is PayPal: offline verification of PayPal's signed
// transmissions against its certificates, the mapping of PayPal's events,
// and a development signer with its own certificate authority.
package paypal

import (
	"time"

	"github.com/payhook/payhook/shared/provider"
)

// Name is PayPal's route and stored provider name.
const Name = "paypal"

// PayPal's settings. WebhookID is the id PayPal gave the webhook: every
// signature covers it. DevelopmentSigner holds a development signer (PEM),
// which payhook serve generates for itself; only a verifier built by
// DevCerts trusts it.
const (
	WebhookID         = "PAYHOOK_PAYPAL_WEBHOOK_ID"
	DevelopmentSigner = "PAYHOOK_PAYPAL_DEVELOPMENT_SIGNER"
)

// Provider is PayPal. PayPal retries up to 25 times over three days.
var Provider = provider.Provider{
	Name:    Name,
	Title:   "PayPal",
	Summary: "PayPal's RSA signature checked offline against PayPal's certificate; each transmission bound to its body's SHA-256 (PayPal signs only a CRC32); its time within `PAYHOOK_PAYPAL_TRANSMISSION_WINDOW`",
	Settings: append([]provider.Setting{
		{Name: WebhookID, Help: "the webhook's id at PayPal: every signature covers it"},
		{Name: DevelopmentSigner, Development: true, Help: "a development signer payhook serve generates for itself"},
	}, apiSettings...),
	Redelivery: 72 * time.Hour,
	NewVerifier: func(c provider.Config) provider.Verifier {
		return Verifier{Certs: c.Certificates, TransmissionWindow: c.TransmissionWindow}
	},
	Normalize:   normalize,
	Development: development{},
	Events:      eventAPI,
}
