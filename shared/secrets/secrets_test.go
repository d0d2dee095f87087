package secrets_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/secrets"
)

func lookup(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func TestParse(t *testing.T) {
	is := is.New(t)
	keys, err := secrets.Parse(lookup(map[string]string{
		"PAYHOOK_STRIPE_SIGNING_SECRETS":   " whsec_a, whsec_b ,",
		"PAYHOOK_SQUARE_SIGNATURE_KEYS":    "k1",
		"PAYHOOK_SQUARE_NOTIFICATION_URL":  "https://hooks.example.com/webhook/square",
		"PAYHOOK_PAYPAL_WEBHOOK_ID":        "0FV983392A0531201",
		"PAYHOOK_STANDARD_WEBHOOK_SECRETS": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw,ledger=whpk_ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248c/g=",
	}))
	is.NoErr(err)
	is.Equal(keys, provider.Keys{
		"PAYHOOK_STRIPE_SIGNING_SECRETS":   {"whsec_a", "whsec_b"},
		"PAYHOOK_SQUARE_SIGNATURE_KEYS":    {"k1"},
		"PAYHOOK_SQUARE_NOTIFICATION_URL":  {"https://hooks.example.com/webhook/square"},
		"PAYHOOK_PAYPAL_WEBHOOK_ID":        {"0FV983392A0531201"},
		"PAYHOOK_STANDARD_WEBHOOK_SECRETS": {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "ledger=whpk_ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248c/g="},
	})
}

// A deployment's configuration never carries a development signer: only
// payhook serve's own data directory does, and only it trusts one.
func TestDevelopmentSettingsAreNotReadFromTheEnvironment(t *testing.T) {
	is := is.New(t)
	keys, err := secrets.Parse(lookup(map[string]string{
		"PAYHOOK_PAYPAL_WEBHOOK_ID":         "0FV983392A0531201",
		"PAYHOOK_PAYPAL_DEVELOPMENT_SIGNER": "-----BEGIN CERTIFICATE-----",
	}))
	is.NoErr(err)
	is.Equal(keys, provider.Keys{"PAYHOOK_PAYPAL_WEBHOOK_ID": {"0FV983392A0531201"}})
}

func TestInvalidKeysNameTheVariableNotTheValue(t *testing.T) {
	cases := []struct {
		vars map[string]string
		want string
	}{
		{nil, "no provider configured"},
		{map[string]string{"PAYHOOK_STRIPE_SIGNING_SECRETS": "sk_live_SECRETVALUE"}, "PAYHOOK_STRIPE_SIGNING_SECRETS: every secret must start with whsec_"},
		{map[string]string{"PAYHOOK_STANDARD_WEBHOOK_SECRETS": "SECRETVALUE"}, "PAYHOOK_STANDARD_WEBHOOK_SECRETS: key must start with whsec_ or whpk_"},
		{map[string]string{"PAYHOOK_STANDARD_WEBHOOK_SECRETS": "Acme Corp=whsec_SECRETVALUE"}, "PAYHOOK_STANDARD_WEBHOOK_SECRETS: sender names are 1 to 32 of a-z"},
		{map[string]string{"PAYHOOK_STANDARD_WEBHOOK_SECRETS": "acme=SECRETVALUE"}, "PAYHOOK_STANDARD_WEBHOOK_SECRETS: key must start with whsec_ or whpk_"},
		{map[string]string{"PAYHOOK_SQUARE_SIGNATURE_KEYS": "SECRETVALUE"}, "PAYHOOK_SQUARE_SIGNATURE_KEYS is set but PAYHOOK_SQUARE_NOTIFICATION_URL is not: Square needs both"},
		{map[string]string{"PAYHOOK_SQUARE_SIGNATURE_KEYS": "SECRETVALUE", "PAYHOOK_SQUARE_NOTIFICATION_URL": "/webhook/square"}, "PAYHOOK_SQUARE_NOTIFICATION_URL: must be the absolute URL"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			is := is.New(t)
			_, err := secrets.Parse(lookup(tc.vars))
			is.True(err != nil)
			is.True(strings.HasPrefix(err.Error(), tc.want))
			is.True(!strings.Contains(err.Error(), "SECRETVALUE"))
		})
	}
}

func TestParseJSONDoesNotLeakTheSecret(t *testing.T) {
	for _, kind := range []secrets.Kind{secrets.WebhookKeys, secrets.APICredentials} {
		is := is.New(t)
		_, _, err := secrets.ParseJSON([]byte(`{"PAYHOOK_STRIPE_SIGNING_SECRETS": ["whsec_SECRETVALUE"]}`), kind)
		is.True(err != nil)
		is.True(!strings.Contains(err.Error(), "SECRETVALUE"))
	}
}

// Issue 23, item 5: on AWS the webhook keys and the API credentials live
// in two secrets, each read by the functions that need it. A secret
// holding both (a deployment from before the split) gives each reader its
// own kind only, and names the others, never their values.
func TestEachSecretGivesOnlyItsOwnKind(t *testing.T) {
	is := is.New(t)
	both := []byte(`{"PAYHOOK_STRIPE_SIGNING_SECRETS":"whsec_a","PAYHOOK_PAYPAL_WEBHOOK_ID":"WH-1",` +
		`"PAYHOOK_STRIPE_API_KEY":"sk_test_SECRETVALUE","PAYHOOK_PAYPAL_CLIENT_ID":"id","PAYHOOK_PAYPAL_CLIENT_SECRET":"SECRETVALUE"}`)

	webhook, misplaced, err := secrets.ParseJSON(both, secrets.WebhookKeys)
	is.NoErr(err)
	is.Equal(webhook, provider.Keys{"PAYHOOK_STRIPE_SIGNING_SECRETS": {"whsec_a"}, "PAYHOOK_PAYPAL_WEBHOOK_ID": {"WH-1"}})
	is.Equal(misplaced, []string{"PAYHOOK_PAYPAL_CLIENT_ID", "PAYHOOK_PAYPAL_CLIENT_SECRET", "PAYHOOK_STRIPE_API_KEY"})

	api, misplaced, err := secrets.ParseJSON(both, secrets.APICredentials)
	is.NoErr(err)
	is.Equal(api, provider.Keys{"PAYHOOK_STRIPE_API_KEY": {"sk_test_SECRETVALUE"}, "PAYHOOK_PAYPAL_CLIENT_ID": {"id"}, "PAYHOOK_PAYPAL_CLIENT_SECRET": {"SECRETVALUE"}})
	is.Equal(misplaced, []string{"PAYHOOK_PAYPAL_WEBHOOK_ID", "PAYHOOK_STRIPE_SIGNING_SECRETS"})
}

// Which settings are API credentials is the registry's: every provider's
// event API settings, so a provider that gains an API joins the API secret.
func TestTheAPISecretHoldsEveryProvidersAPISettings(t *testing.T) {
	for _, p := range registry.All {
		for _, name := range p.APISettings() {
			is := is.New(t)
			_, misplaced, _ := secrets.ParseJSON([]byte(`{"`+name+`":"x"}`), secrets.WebhookKeys)
			is.Equal(misplaced, []string{name}) // not a webhook key
			_, misplaced, _ = secrets.ParseJSON([]byte(`{"`+name+`":"x"}`), secrets.APICredentials)
			is.Equal(len(misplaced), 0)
		}
	}
}

// An API secret may hold nothing (no provider reconciled); a webhook keys'
// secret must set up a provider, or the receiver would serve none.
func TestAnEmptySecret(t *testing.T) {
	is := is.New(t)
	keys, _, err := secrets.ParseJSON([]byte(`{}`), secrets.APICredentials)
	is.NoErr(err)
	is.Equal(len(keys), 0)
	_, _, err = secrets.ParseJSON([]byte(`{}`), secrets.WebhookKeys)
	is.True(err != nil && strings.HasPrefix(err.Error(), "no provider configured"))
	_, _, err = secrets.ParseJSON([]byte(`{"PAYHOOK_PAYPAL_CLIENT_ID":"id"}`), secrets.APICredentials)
	is.True(err != nil && strings.Contains(err.Error(), "PAYHOOK_PAYPAL_CLIENT_SECRET is not")) // credentials whole or not at all
}

// While the API secret has no value (a deployment just upgraded), the
// processor runs without API credentials, and says so once, not at every
// delivery; other failures are errors.
func TestOptionalServesNothingWhileTheSecretHasNoValue(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	var failing error
	told := 0
	keys := secrets.Optional(func(context.Context) (provider.Keys, error) {
		return provider.Keys{"PAYHOOK_STRIPE_API_KEY": {"sk_test_1"}}, failing
	}, func(error) { told++ })

	failing = fmt.Errorf("provider API secret arn:x %w", secrets.ErrNoValue)
	for range 3 {
		k, err := keys(ctx)
		is.NoErr(err)
		is.Equal(len(k), 0)
	}
	is.Equal(told, 1)
	failing = nil
	k, err := keys(ctx)
	is.NoErr(err)
	is.Equal(k.Value("PAYHOOK_STRIPE_API_KEY"), "sk_test_1")
	failing = errors.New("throttled")
	_, err = keys(ctx)
	is.True(err != nil)
	failing = fmt.Errorf("again: %w", secrets.ErrNoValue)
	_, _ = keys(ctx)
	is.Equal(told, 2) // missing again: said again
}

type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time          { return c.now }
func (c *fakeClock) Advance(d time.Duration) { c.now = c.now.Add(d) }

func TestCache(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	current := provider.Keys{"PAYHOOK_STRIPE_SIGNING_SECRETS": {"whsec_one"}}
	var loads int
	var failing error
	cache := &secrets.Cache{
		Load: func(context.Context) (provider.Keys, error) {
			loads++
			return current, failing
		},
		TTL: 5 * time.Minute, MinRefresh: 30 * time.Second, Now: clock.Now,
	}

	t.Run("loads once, then serves from memory until the TTL", func(t *testing.T) {
		is := is.New(t)
		for range 3 {
			keys, err := cache.Keys(ctx)
			is.NoErr(err)
			is.Equal(keys, current)
		}
		is.Equal(loads, 1)
		clock.Advance(5 * time.Minute)
		_, _ = cache.Keys(ctx)
		is.Equal(loads, 2)
	})
	t.Run("a refresh right after a load is refused", func(t *testing.T) {
		is := is.New(t)
		_, changed := cache.Refresh(ctx)
		is.True(!changed)
		is.Equal(loads, 2)
	})
	t.Run("a refresh sees a rotation", func(t *testing.T) {
		is := is.New(t)
		clock.Advance(31 * time.Second)
		current = provider.Keys{"PAYHOOK_STRIPE_SIGNING_SECRETS": {"whsec_one", "whsec_two"}}
		keys, changed := cache.Refresh(ctx)
		is.True(changed)
		is.Equal(keys, current)
	})
	t.Run("a failing source keeps the held keys and is not hammered", func(t *testing.T) {
		is := is.New(t)
		held := current
		failing = errors.New("throttled")
		clock.Advance(6 * time.Minute)
		before := loads
		for range 10 {
			keys, err := cache.Keys(ctx)
			is.NoErr(err)
			is.Equal(keys, held)
			_, changed := cache.Refresh(ctx)
			is.True(!changed)
		}
		is.Equal(loads, before+1)
	})
}

func TestCacheWithoutKeysReportsTheError(t *testing.T) {
	is := is.New(t)
	cache := &secrets.Cache{Load: func(context.Context) (provider.Keys, error) { return provider.Keys{}, errors.New("denied") }, TTL: time.Minute}
	_, err := cache.Keys(context.Background())
	is.True(err != nil)
}

// Without keys held, a failure is served again until MinRefresh: a secret
// without a value costs one call per 30 s, not one per delivery.
func TestCacheWithoutKeysIsNotHammered(t *testing.T) {
	is := is.New(t)
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	loads := 0
	cache := &secrets.Cache{
		Load: func(context.Context) (provider.Keys, error) { loads++; return provider.Keys{}, secrets.ErrNoValue },
		TTL:  5 * time.Minute, MinRefresh: 30 * time.Second, Now: clock.Now,
	}
	for range 10 {
		_, err := cache.Keys(context.Background())
		is.True(errors.Is(err, secrets.ErrNoValue))
	}
	is.Equal(loads, 1)
	clock.Advance(31 * time.Second)
	_, _ = cache.Keys(context.Background())
	is.Equal(loads, 2)
}

// TestSecretsManagerLoader runs the real SDK client against testenv's
// Secrets Manager stand-in.
func TestSecretsManagerLoader(t *testing.T) {
	is := is.New(t)
	const arn = "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:payhook-dev"
	secret := `{"PAYHOOK_STRIPE_SIGNING_SECRETS":"whsec_a,whsec_b","PAYHOOK_PAYPAL_WEBHOOK_ID":"WH-1","PAYHOOK_STRIPE_API_KEY":"sk_test_1"}`
	client := secretsmanager.New(secretsmanager.Options{
		Region:       "ap-southeast-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(testenv.SecretsManager(t, arn, secret)),
	})

	var misplaced []string
	keys, err := secrets.SecretsManagerLoader(client, secrets.Secret{ARN: arn, Kind: secrets.WebhookKeys, Misplaced: func(names []string) { misplaced = names }})(context.Background())
	is.NoErr(err)
	is.Equal(keys.List("PAYHOOK_STRIPE_SIGNING_SECRETS"), []string{"whsec_a", "whsec_b"})
	is.Equal(keys.Value("PAYHOOK_PAYPAL_WEBHOOK_ID"), "WH-1")
	is.Equal(keys.Value("PAYHOOK_STRIPE_API_KEY"), "") // the API secret's, not read here
	is.Equal(misplaced, []string{"PAYHOOK_STRIPE_API_KEY"})

	api, err := secrets.SecretsManagerLoader(client, secrets.Secret{ARN: arn, Kind: secrets.APICredentials})(context.Background())
	is.NoErr(err)
	is.Equal(api, provider.Keys{"PAYHOOK_STRIPE_API_KEY": {"sk_test_1"}})

	// A secret Secrets Manager cannot find, or that has no value yet.
	_, err = secrets.SecretsManagerLoader(client, secrets.Secret{ARN: arn + "-other", Kind: secrets.APICredentials})(context.Background())
	is.True(errors.Is(err, secrets.ErrNoValue))
	is.True(strings.HasPrefix(err.Error(), "provider API secret "+arn+"-other has no value yet"))
}
