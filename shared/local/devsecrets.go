package local

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/secrets"
)

// DevSecretsFile holds the development keys in a data directory.
const DevSecretsFile = "dev-secrets.json" //nolint:gosec // G101: a file name

// DevSecrets are keys generated for local development, kept in the data
// directory (mode 0600) so that serve and send agree across restarts.
type DevSecrets struct {
	Keys   provider.Keys
	PayPal *provider.DevPayPal
}

type devSecretsFile struct {
	Keys   map[string]string `json:"keys"`
	PayPal string            `json:"paypal_development_signer"`
}

// LoadDevSecrets reads the data directory's development secrets.
func LoadDevSecrets(dataDir string) (DevSecrets, error) {
	dataDir, err := CheckDataDir(dataDir)
	if err != nil {
		return DevSecrets{}, err
	}
	raw, err := readDataFile(dataDir, DevSecretsFile)
	if err != nil {
		return DevSecrets{}, err
	}
	var file devSecretsFile
	if err := json.Unmarshal(raw, &file); err != nil {
		return DevSecrets{}, fmt.Errorf("%s: not payhook's development secrets", DevSecretsFile)
	}
	keys, err := secrets.Parse(func(name string) (string, bool) { v, ok := file.Keys[name]; return v, ok })
	if err != nil {
		return DevSecrets{}, fmt.Errorf("%s: %w", DevSecretsFile, err)
	}
	paypal, err := provider.ParseDevPayPal([]byte(file.PayPal))
	if err != nil {
		return DevSecrets{}, fmt.Errorf("%s: %w", DevSecretsFile, err)
	}
	return DevSecrets{Keys: keys, PayPal: paypal}, nil
}

// LoadOrCreateDevSecrets loads the development secrets, creating them on
// first use; created says which. baseURL is where serve listens: Square
// signs its notification URL.
func LoadOrCreateDevSecrets(dataDir, baseURL string) (DevSecrets, bool, error) {
	s, err := LoadDevSecrets(dataDir)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return s, false, err
	}
	paypal, err := provider.NewDevPayPal(time.Now(), 5*365*24*time.Hour)
	if err != nil {
		return DevSecrets{}, false, err
	}
	signer, err := paypal.MarshalPEM()
	if err != nil {
		return DevSecrets{}, false, err
	}
	file := devSecretsFile{
		Keys: map[string]string{
			secrets.StripeSigningSecrets:   "whsec_dev_" + randomHex(16),
			secrets.SquareSignatureKeys:    "dev-square-" + randomHex(11),
			secrets.SquareNotificationURL:  baseURL + "/webhook/square",
			secrets.PayPalWebhookID:        "WH-DEV-" + randomHex(8),
			secrets.StandardWebhookSecrets: "whsec_" + base64.StdEncoding.EncodeToString(randomBytes(24)),
		},
		PayPal: string(signer),
	}
	encoded, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		return DevSecrets{}, false, err
	}
	// A crash never leaves half a secrets file that a restart would refuse.
	if err := writeDataFile(dataDir, DevSecretsFile, encoded); err != nil {
		return DevSecrets{}, false, err
	}
	s, err = LoadDevSecrets(dataDir)
	return s, true, err
}

// KeysFromEnv returns the provider keys set in the environment, and false
// when none is set (then the development secrets apply).
func KeysFromEnv(lookup func(string) (string, bool)) (provider.Keys, bool, error) {
	for _, name := range secrets.Names {
		if v, ok := lookup(name); ok && v != "" {
			keys, err := secrets.Parse(lookup)
			return keys, true, err
		}
	}
	return provider.Keys{}, false, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }
