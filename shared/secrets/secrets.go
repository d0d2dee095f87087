// Package secrets loads the providers' keys: from environment variables for
// local runs, from Secrets Manager on AWS. Both use the same names (each
// provider's settings, PAYHOOK_STRIPE_SIGNING_SECRETS, ...), lists
// comma-separated, so moving from one to the other is a copy. On AWS the
// settings are split between two secrets by what they are for (Kind):
// the webhook keys, which only the internet-facing receiver reads, and the
// providers' API credentials, which only the processor and the reconciler
// read. Errors name the setting, never a value.
package secrets

import (
	"encoding/json"
	"errors"
	"slices"

	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
)

// Kind is which of the providers' settings a secret holds. The provider
// registry decides which is which (registry.IsAPISetting), so a provider's
// new API credentials join the API secret by themselves.
type Kind int

const (
	// WebhookKeys are what deliveries are verified with: the receiver's,
	// and payhook smoke's to sign with.
	WebhookKeys Kind = iota
	// APICredentials are what the providers' event APIs are called with:
	// the reconciler's, and the processor's to confirm deliveries.
	APICredentials
)

func (k Kind) String() string {
	if k == APICredentials {
		return "provider API secret"
	}
	return "provider secret"
}

// holds reports whether a secret of kind k holds the setting name.
func (k Kind) holds(name string) bool {
	return registry.IsAPISetting(name) == (k == APICredentials)
}

// Parse reads and checks the keys from lookup (os.LookupEnv).
func Parse(lookup func(string) (string, bool)) (provider.Keys, error) {
	return registry.ParseKeys(lookup)
}

// ParseJSON reads a Secrets Manager secret of kind: a JSON object whose
// fields are the setting names, each a string in the environment
// variable's format. Only kind's settings are read; misplaced names the
// other kind's settings the object holds (never their values), which
// belong in the other secret. A webhook keys' secret must set up at least
// one provider; an API secret may be empty ({}).
func ParseJSON(raw []byte, kind Kind) (keys provider.Keys, misplaced []string, err error) {
	var fields map[string]string
	if err := json.Unmarshal(raw, &fields); err != nil {
		// The error of Unmarshal may quote the secret; do not pass it on.
		return provider.Keys{}, nil, errors.New(kind.String() + ": not a JSON object of strings")
	}
	for _, s := range registry.Settings() {
		if v, ok := fields[s.Name]; ok && v != "" && !s.Development && !kind.holds(s.Name) {
			misplaced = append(misplaced, s.Name)
		}
	}
	lookup := func(name string) (string, bool) {
		if !kind.holds(name) {
			return "", false
		}
		v, ok := fields[name]
		return v, ok
	}
	if kind == APICredentials {
		keys, err = registry.ParseAPIKeys(lookup)
	} else {
		keys, err = Parse(lookup)
	}
	if err != nil {
		return provider.Keys{}, misplaced, err
	}
	slices.Sort(misplaced)
	return keys, misplaced, nil
}
