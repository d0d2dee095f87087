// Package secrets loads the providers' keys: from environment variables for
// local runs, from one Secrets Manager secret on AWS. Both use the same names
// (each provider's settings, PAYHOOK_STRIPE_SIGNING_SECRETS, ...), lists
// comma-separated, so moving from one to the other is a copy. Errors name
// the setting, never a value.
package secrets

import (
	"encoding/json"
	"errors"

	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
)

// Parse reads and checks the keys from lookup (os.LookupEnv).
func Parse(lookup func(string) (string, bool)) (provider.Keys, error) {
	return registry.ParseKeys(lookup)
}

// ParseJSON reads the Secrets Manager secret: a JSON object whose fields are
// the setting names, each a string in the environment variable's format.
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
