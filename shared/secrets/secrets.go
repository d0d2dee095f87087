// Package secrets loads the providers' keys: from environment variables for
// local runs, from one Secrets Manager secret on AWS. Both use the same names
// (PAYHOOK_STRIPE_SIGNING_SECRETS, ...), lists comma-separated, so moving
// from one to the other is a copy. Errors name the variable, never a value.
package secrets

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/payhook/payhook/shared/provider"
)

// The names of the keys, as environment variables and as JSON fields.
const (
	StripeSigningSecrets   = "PAYHOOK_STRIPE_SIGNING_SECRETS" //nolint:gosec // G101: a variable's name
	SquareSignatureKeys    = "PAYHOOK_SQUARE_SIGNATURE_KEYS"
	SquareNotificationURL  = "PAYHOOK_SQUARE_NOTIFICATION_URL"
	PayPalWebhookID        = "PAYHOOK_PAYPAL_WEBHOOK_ID"
	StandardWebhookSecrets = "PAYHOOK_STANDARD_WEBHOOK_SECRETS"
)

// Names lists every key name.
var Names = []string{StripeSigningSecrets, SquareSignatureKeys, SquareNotificationURL, PayPalWebhookID, StandardWebhookSecrets}

// Parse reads and validates the keys from lookup (os.LookupEnv, or a field
// of the Secrets Manager secret).
func Parse(lookup func(string) (string, bool)) (provider.Keys, error) {
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	keys := provider.Keys{
		StripeSigningSecrets:   splitList(get(StripeSigningSecrets)),
		SquareSignatureKeys:    splitList(get(SquareSignatureKeys)),
		SquareNotificationURL:  get(SquareNotificationURL),
		PayPalWebhookID:        get(PayPalWebhookID),
		StandardWebhookSecrets: splitList(get(StandardWebhookSecrets)),
	}
	return keys, Validate(keys)
}

// ParseJSON reads the Secrets Manager secret: a JSON object whose fields are
// the key names, each a string in the environment variable's format.
func ParseJSON(raw []byte) (provider.Keys, error) {
	var fields map[string]string
	if err := json.Unmarshal(raw, &fields); err != nil {
		// The error of Unmarshal may quote the secret; do not pass it on.
		return provider.Keys{}, errors.New("provider secret: not a JSON object of strings")
	}
	return Parse(func(name string) (string, bool) {
		v, ok := fields[name]
		return v, ok
	})
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// Validate checks the form of every key, and that some provider is usable.
func Validate(k provider.Keys) error {
	for _, s := range k.StripeSigningSecrets {
		if !strings.HasPrefix(s, "whsec_") {
			return errors.New(StripeSigningSecrets + ": every secret must start with whsec_")
		}
	}
	for _, s := range k.StandardWebhookSecrets {
		if _, err := provider.ParseStandardKey(s); err != nil {
			return fmt.Errorf("%s: %w", StandardWebhookSecrets, err)
		}
	}
	if (len(k.SquareSignatureKeys) > 0) != (k.SquareNotificationURL != "") {
		return fmt.Errorf("%s and %s go together: set both or neither", SquareSignatureKeys, SquareNotificationURL)
	}
	if k.SquareNotificationURL != "" {
		u, err := url.Parse(k.SquareNotificationURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errors.New(SquareNotificationURL + ": must be the absolute URL of the Square subscription")
		}
	}
	if len(k.StripeSigningSecrets) == 0 && len(k.SquareSignatureKeys) == 0 && k.PayPalWebhookID == "" && len(k.StandardWebhookSecrets) == 0 {
		return errors.New("no provider configured: set at least one of " + strings.Join(Names, ", "))
	}
	return nil
}
