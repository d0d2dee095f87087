package secrets

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/payhook/payhook/shared/provider"
)

// ErrNoValue means the secret has no value yet: created by the deployment,
// never filled in.
var ErrNoValue = errors.New("has no value yet")

// Secret is one Secrets Manager secret of provider keys.
type Secret struct {
	ARN  string
	Kind Kind
	// Misplaced, when set, is told the names of the settings of the other
	// kind the secret holds, at each load that finds any: they are not
	// read, and belong in the other secret.
	Misplaced func(names []string)
}

// SecretsManagerCache is the cache every Lambda keeps of its secret:
// reloaded after ttl, and at most every 30 s on request; a reload that
// fails keeps the keys held and is told to onError.
func SecretsManagerCache(client *secretsmanager.Client, secret Secret, ttl time.Duration, onError func(error)) *Cache {
	return &Cache{Load: SecretsManagerLoader(client, secret), TTL: ttl, MinRefresh: 30 * time.Second, OnError: onError}
}

// SecretsManagerLoader reads the secret. A secret that does not exist or
// has no value yet fails with an error wrapping ErrNoValue.
func SecretsManagerLoader(client *secretsmanager.Client, secret Secret) Loader {
	return func(ctx context.Context) (provider.Keys, error) {
		out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secret.ARN)})
		var missing *types.ResourceNotFoundException
		switch {
		case errors.As(err, &missing):
			return provider.Keys{}, fmt.Errorf("%s %s %w (README: Deploy to AWS)", secret.Kind, secret.ARN, ErrNoValue)
		case err != nil:
			return provider.Keys{}, fmt.Errorf("read %s: %w", secret.Kind, err)
		case out.SecretString == nil:
			return provider.Keys{}, fmt.Errorf("%s has no string value", secret.Kind)
		}
		keys, misplaced, err := ParseJSON([]byte(*out.SecretString), secret.Kind)
		if len(misplaced) > 0 && secret.Misplaced != nil {
			secret.Misplaced(misplaced)
		}
		return keys, err
	}
}

// Optional serves no keys, instead of an error, while the secret has no
// value: API credentials are optional (a provider without them is neither
// reconciled nor confirmed), but their absence is told to onMissing each
// time it begins.
func Optional(keys func(context.Context) (provider.Keys, error), onMissing func(error)) func(context.Context) (provider.Keys, error) {
	var (
		mu      sync.Mutex
		missing bool
	)
	return func(ctx context.Context) (provider.Keys, error) {
		k, err := keys(ctx)
		mu.Lock()
		defer mu.Unlock()
		if !errors.Is(err, ErrNoValue) {
			missing = false
			return k, err
		}
		if !missing {
			onMissing(err)
		}
		missing = true
		return provider.Keys{}, nil
	}
}
