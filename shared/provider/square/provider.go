// Package square is Square: x-square-hmacsha256-signature verification,
// the mapping of Square's events, and development deliveries.
package square

import (
	"errors"
	"net/url"
	"time"

	"github.com/payhook/payhook/shared/provider"
)

// Name is Square's route and stored provider name.
const Name = "square"

// Square's settings: the subscription's signature keys, and its
// notification URL, which the signature covers.
const (
	SignatureKeys   = "PAYHOOK_SQUARE_SIGNATURE_KEYS"
	NotificationURL = "PAYHOOK_SQUARE_NOTIFICATION_URL"
)

// Provider is Square. Square retries for up to 24 hours.
var Provider = provider.Provider{
	Name:    Name,
	Title:   "Square",
	Summary: "`x-square-hmacsha256-signature`: HMAC-SHA256 of the notification URL and the body; no timestamp, so a replay stops at deduplication",
	Settings: append([]provider.Setting{
		{Name: SignatureKeys, List: true, Help: "the subscription's signature keys, several during a rotation"},
		{Name: NotificationURL, Help: "the subscription's notification URL exactly as registered: the signature covers it", Check: checkURL},
	}, apiSettings...),
	Redelivery:  24 * time.Hour,
	NewVerifier: func(provider.Config) provider.Verifier { return Verifier{} },
	Normalize:   normalize,
	Development: development{},
	Events:      eventAPI,
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("must be the absolute URL of the Square subscription")
	}
	return nil
}
