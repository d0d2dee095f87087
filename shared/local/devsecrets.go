package local

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"time"

	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/paypal"
	"github.com/payhook/payhook/shared/provider/registry"
)

// DevSecretsFile holds the development keys in a data directory.
const DevSecretsFile = "dev-secrets.json" //nolint:gosec // G101: a file name

// DevSecrets are keys generated for local development, kept in the data
// directory (mode 0600) so that serve and send agree across restarts. They
// include a development PayPal signer, whose certificate authority only a
// server running on them trusts.
type DevSecrets struct {
	Keys provider.Keys
}

type devSecretsFile struct {
	Keys map[string]string `json:"keys"`
	// LegacyPayPalSigner is where files written before the provider
	// registry kept the PayPal signer; it moves into Keys.
	LegacyPayPalSigner string `json:"paypal_development_signer,omitempty"`
	// ForwardSecret signs forwarded events when PAYHOOK_FORWARD_SECRETS
	// is not set.
	ForwardSecret string `json:"forward_secret,omitempty"`
}

// LoadDevSecrets reads the data directory's development secrets.
func LoadDevSecrets(dataDir string) (DevSecrets, error) {
	file, err := readDevSecrets(dataDir)
	if err != nil {
		return DevSecrets{}, err
	}
	keys, err := registry.ParseDevelopmentKeys(func(name string) (string, bool) { v, ok := file.Keys[name]; return v, ok })
	if err != nil {
		return DevSecrets{}, fmt.Errorf("%s: %w", DevSecretsFile, err)
	}
	return DevSecrets{Keys: keys}, nil
}

func readDevSecrets(dataDir string) (devSecretsFile, error) {
	dataDir, err := CheckDataDir(dataDir)
	if err != nil {
		return devSecretsFile{}, err
	}
	raw, err := readDataFile(dataDir, DevSecretsFile)
	if err != nil {
		return devSecretsFile{}, err
	}
	var file devSecretsFile
	if err := json.Unmarshal(raw, &file); err != nil || file.Keys == nil {
		return devSecretsFile{}, fmt.Errorf("%s: not payhook's development secrets", DevSecretsFile)
	}
	if file.LegacyPayPalSigner != "" && file.Keys[paypal.DevelopmentSigner] == "" {
		file.Keys[paypal.DevelopmentSigner] = file.LegacyPayPalSigner
	}
	return file, nil
}

// LoadOrCreateDevSecrets loads the development secrets, creating them on
// first use; created says whether any were made. A provider added to
// payhook since the file was written gets its keys then, and the rest stay
// as they were. baseURL is where serve listens: Square signs its
// notification URL.
func LoadOrCreateDevSecrets(dataDir, baseURL string) (DevSecrets, bool, error) {
	file, err := readDevSecrets(dataDir)
	if errors.Is(err, os.ErrNotExist) {
		file, err = devSecretsFile{Keys: map[string]string{}}, nil
	}
	if err != nil {
		return DevSecrets{}, false, err
	}
	missing := false
	for _, p := range registry.All {
		if p.Configured(keysOf(file.Keys)) {
			continue
		}
		fresh, err := p.Development.Keys(baseURL)
		if err != nil {
			return DevSecrets{}, false, fmt.Errorf("development keys for %s: %w", p.Title, err)
		}
		maps.Copy(file.Keys, fresh)
		missing = true
	}
	if missing || file.LegacyPayPalSigner != "" {
		file.LegacyPayPalSigner = ""
		encoded, err := json.MarshalIndent(file, "", "  ")
		if err != nil {
			return DevSecrets{}, false, err
		}
		// A crash never leaves half a secrets file that a restart would refuse.
		if err := writeDataFile(dataDir, DevSecretsFile, encoded); err != nil {
			return DevSecrets{}, false, err
		}
	}
	s, err := LoadDevSecrets(dataDir)
	return s, missing, err
}

// keysOf reads raw values as development keys, unchecked: whether each
// provider is set up at all.
func keysOf(raw map[string]string) provider.Keys {
	keys := provider.Keys{}
	for _, s := range registry.Settings() {
		if values := s.Values(raw[s.Name]); len(values) > 0 {
			keys[s.Name] = values
		}
	}
	return keys
}

// KeysFromEnv returns the provider keys set in the environment, and false
// when none is set (then the development secrets apply). Event API
// settings alone do not count: they go with either (WithAPIKeys).
func KeysFromEnv(lookup func(string) (string, bool)) (provider.Keys, bool, error) {
	for _, s := range registry.Settings() {
		if v, ok := lookup(s.Name); ok && v != "" && !s.Development && !registry.IsAPISetting(s.Name) {
			keys, err := registry.ParseKeys(lookup)
			return keys, true, err
		}
	}
	return provider.Keys{}, false, nil
}

// WithAPIKeys adds the event API settings of the environment to keys (the
// development secrets hold none), checked as any key is: so that
// reconciliation can run against a provider's API, or a stand-in of it,
// beside development signing keys.
func WithAPIKeys(keys provider.Keys, lookup func(string) (string, bool)) (provider.Keys, error) {
	api, err := registry.ParseAPIKeys(lookup)
	if err != nil {
		return nil, err
	}
	out := maps.Clone(keys)
	maps.Copy(out, api)
	return out, registry.CheckKeys(out)
}

// loadKeys takes the provider keys from the environment, or else the data
// directory's development secrets, which are the explicit opt-in to
// trusting the development PayPal CA.
func (s *Server) loadKeys(opts Options) error {
	keys, fromEnv, err := KeysFromEnv(opts.Lookup)
	if err != nil {
		return err
	}
	s.certs = paypal.NewCerts(&http.Client{Timeout: 5 * time.Second}, opts.Receiver.PayPalSandbox)
	if !fromEnv {
		dev, created, err := LoadOrCreateDevSecrets(s.DataDir, s.URL)
		if err != nil {
			return err
		}
		devCerts, _, err := paypal.DevCerts(dev.Keys)
		if err != nil {
			return fmt.Errorf("%s: %w", DevSecretsFile, err)
		}
		keys, s.Dev, s.DevCreated, s.certs = dev.Keys, &dev, created, devCerts
		if keys, err = WithAPIKeys(keys, opts.Lookup); err != nil {
			return err
		}
	}
	s.Keys = keys
	return nil
}
