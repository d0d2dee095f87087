package local_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/local"
	"github.com/payhook/payhook/shared/provider/paypal"
	"github.com/payhook/payhook/shared/provider/registry"
)

// A data directory written before the provider registry keeps its keys (its
// providers' deduplication and its PayPal signer carry over) and gains
// development keys for every provider added since.
func TestOldDevelopmentSecretsAreKeptAndCompleted(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	is.NoErr(os.MkdirAll(dir, 0o700))
	signer, err := paypal.NewDevSigner(time.Now(), time.Hour)
	is.NoErr(err)
	encoded, err := signer.MarshalPEM()
	is.NoErr(err)
	old, err := json.Marshal(map[string]any{
		"keys": map[string]string{
			"PAYHOOK_STRIPE_SIGNING_SECRETS":   "whsec_dev_kept",
			"PAYHOOK_SQUARE_SIGNATURE_KEYS":    "dev-square-kept",
			"PAYHOOK_SQUARE_NOTIFICATION_URL":  "http://127.0.0.1:8080/webhook/square",
			"PAYHOOK_PAYPAL_WEBHOOK_ID":        "WH-DEV-KEPT",
			"PAYHOOK_STANDARD_WEBHOOK_SECRETS": "whsec_a2VwdC1zdGFuZGFyZC1zZWNyZXQ=",
		},
		"paypal_development_signer": string(encoded),
	})
	is.NoErr(err)
	is.NoErr(os.WriteFile(filepath.Join(dir, local.DevSecretsFile), old, 0o600))

	dev, created, err := local.LoadOrCreateDevSecrets(dir, "http://127.0.0.1:9999")
	is.NoErr(err)
	is.True(created) // keys were made for the providers added since
	is.Equal(dev.Keys.Value("PAYHOOK_STRIPE_SIGNING_SECRETS"), "whsec_dev_kept")
	is.Equal(dev.Keys.Value("PAYHOOK_SQUARE_NOTIFICATION_URL"), "http://127.0.0.1:8080/webhook/square")
	is.Equal(dev.Keys.Value(paypal.DevelopmentSigner), strings.TrimSpace(string(encoded))) // the same authority, moved into the keys
	for _, p := range registry.All {
		is.True(p.Configured(dev.Keys)) // every provider is served
	}

	again, created, err := local.LoadOrCreateDevSecrets(dir, "http://127.0.0.1:9999")
	is.NoErr(err)
	is.True(!created) // nothing more to make
	is.Equal(again.Keys, dev.Keys)
	raw, err := os.ReadFile(filepath.Join(dir, local.DevSecretsFile))
	is.NoErr(err)
	var file map[string]any
	is.NoErr(json.Unmarshal(raw, &file))
	_, legacy := file["paypal_development_signer"]
	is.True(!legacy) // written back in the new form
}
