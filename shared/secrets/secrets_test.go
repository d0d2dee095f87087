package secrets_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/provider"
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
	is := is.New(t)
	_, err := secrets.ParseJSON([]byte(`{"PAYHOOK_STRIPE_SIGNING_SECRETS": ["whsec_SECRETVALUE"]}`))
	is.True(err != nil)
	is.True(!strings.Contains(err.Error(), "SECRETVALUE"))
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

// TestSecretsManagerLoader runs the real SDK client against testenv's
// Secrets Manager stand-in.
func TestSecretsManagerLoader(t *testing.T) {
	is := is.New(t)
	const arn = "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:payhook-dev"
	secret := `{"PAYHOOK_STRIPE_SIGNING_SECRETS":"whsec_a,whsec_b","PAYHOOK_PAYPAL_WEBHOOK_ID":"WH-1"}`
	client := secretsmanager.New(secretsmanager.Options{
		Region:       "ap-southeast-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(testenv.SecretsManager(t, arn, secret)),
	})

	keys, err := secrets.SecretsManagerLoader(client, arn)(context.Background())
	is.NoErr(err)
	is.Equal(keys.List("PAYHOOK_STRIPE_SIGNING_SECRETS"), []string{"whsec_a", "whsec_b"})
	is.Equal(keys.Value("PAYHOOK_PAYPAL_WEBHOOK_ID"), "WH-1")

	_, err = secrets.SecretsManagerLoader(client, arn+"-other")(context.Background())
	is.True(err != nil)
}
