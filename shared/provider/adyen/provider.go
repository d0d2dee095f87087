// Package adyen is Adyen's standard webhooks: the HMAC signature each
// NotificationRequestItem carries in its additionalData, the optional
// Basic authentication of the endpoint, the mapping of Adyen's event codes,
// and development deliveries.
package adyen

import (
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/payhook/payhook/shared/provider"
)

// Name is Adyen's route and stored provider name.
const Name = "adyen"

// Adyen's settings: the webhook's HMAC keys, and the user name and password
// Adyen sends in the Authorization header when the webhook has them.
const (
	HMACKeys  = "PAYHOOK_ADYEN_HMAC_KEYS"
	BasicAuth = "PAYHOOK_ADYEN_BASIC_AUTH"
)

// Provider is Adyen. Adyen retries an unacknowledged webhook for up to 30
// days. Its legacy specification requires the answer "[accepted]"; the
// current one accepts any 2xx, so payhook sends both.
var Provider = provider.Provider{
	Name:    Name,
	Title:   "Adyen",
	Summary: "`additionalData.hmacSignature` of every notification item: HMAC-SHA256 of eight of its fields; no timestamp, so a replay stops at deduplication; `Authorization: Basic` too when `PAYHOOK_ADYEN_BASIC_AUTH` is set",
	Settings: []provider.Setting{
		{Name: HMACKeys, List: true, Help: "the webhook's HMAC keys in hex, as the Customer Area shows them, several during a rotation", Check: checkHMACKey},
		{Name: BasicAuth, Optional: true, Help: "the webhook's Basic authentication as user:password, when it has one", Check: checkBasicAuth},
	},
	Redelivery:      30 * 24 * time.Hour,
	NewVerifier:     func(provider.Config) provider.Verifier { return Verifier{} },
	Normalize:       normalize,
	Acknowledgement: &provider.Acknowledgement{ContentType: "text/plain", Body: []byte("[accepted]")},
	Development:     development{},
}

// checkHMACKey refuses what Adyen's SDKs refuse: a key is hex, decoded to
// its bytes before use, never its characters.
func checkHMACKey(s string) error {
	if _, err := hex.DecodeString(s); err != nil {
		return errors.New("every key must be the hex HMAC key the Customer Area shows (64 hex digits)")
	}
	return nil
}

func checkBasicAuth(s string) error {
	if !strings.Contains(s, ":") {
		return errors.New("must be user:password, as set on the webhook in the Customer Area")
	}
	return nil
}
