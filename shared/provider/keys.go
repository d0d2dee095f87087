package provider

import (
	"errors"
	"fmt"
	"strings"
)

// Keys are the active values of every provider's settings, by setting
// name. A list setting holds every value valid right now, so that a
// rotation overlaps old and new.
type Keys map[string][]string

// List is every value of the named setting.
func (k Keys) List(name string) []string { return k[name] }

// Value is the named setting's value, or "" when it is not set.
func (k Keys) Value(name string) string {
	if values := k[name]; len(values) > 0 {
		return values[0]
	}
	return ""
}

// Setting is one key a provider reads: an environment variable locally,
// a field of the Secrets Manager secret on AWS, both in the same format.
type Setting struct {
	// Name is PAYHOOK_<PROVIDER>_<WHAT>.
	Name string
	// Help is one line for the README and the secret's description.
	Help string
	// List settings are comma-separated, several values during a rotation.
	List bool
	// Optional settings may be left out; the provider is served once every
	// other one is set.
	Optional bool
	// Development marks a key only development uses (a signer payhook
	// generates for itself): never part of a deployment's configuration.
	Development bool
	// Check refuses a malformed value; its error never quotes the value.
	Check func(value string) error
}

// Values parses a raw value: the comma-separated list, or the one value,
// trimmed; nothing when empty.
func (s Setting) Values(raw string) []string {
	if !s.List {
		if v := strings.TrimSpace(raw); v != "" {
			return []string{v}
		}
		return nil
	}
	var out []string
	for part := range strings.SplitSeq(raw, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// Configured reports whether keys hold every setting the provider needs,
// so that it is served.
func (p Provider) Configured(k Keys) bool {
	required := 0
	for _, s := range p.Settings {
		if s.Optional || s.Development {
			continue
		}
		if len(k[s.Name]) == 0 {
			return false
		}
		required++
	}
	return required > 0
}

// CheckKeys checks the form of every value of the provider's settings, and
// that a provider set up at all is set up whole: a half-configured
// provider is an error rather than a route that silently 404s. Errors name
// the setting, never a value.
func (p Provider) CheckKeys(k Keys) error {
	var set, missing []string
	for _, s := range p.Settings {
		if s.Development {
			continue
		}
		values := k[s.Name]
		if len(values) > 0 {
			set = append(set, s.Name)
		} else if !s.Optional {
			missing = append(missing, s.Name)
		}
		for _, v := range values {
			if s.Check == nil {
				continue
			}
			if err := s.Check(v); err != nil {
				return fmt.Errorf("%s: %w", s.Name, err)
			}
		}
	}
	if len(set) > 0 && len(missing) > 0 {
		return fmt.Errorf("%s is set but %s is not: %s needs both", strings.Join(set, ", "), strings.Join(missing, ", "), p.Title)
	}
	return p.CheckCredentials(k)
}

// ErrNoSigningKey is why a development delivery cannot be signed: the keys
// hold nothing to sign with (only what verifies, such as a public key).
var ErrNoSigningKey = errors.New("no key to sign with")
