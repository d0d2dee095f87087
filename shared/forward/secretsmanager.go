package forward

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// SignerCache holds a destination's signer, reading its secrets again
// after TTL so that a rotation takes effect without a deploy. When a read
// fails the signer held stays in use, and the next read waits another
// TTL: a secret being fixed is not read on every message.
type SignerCache struct {
	// Load returns the secrets, in PAYHOOK_FORWARD_SECRETS' format.
	Load func(context.Context) (string, error)
	TTL  time.Duration
	Now  func() time.Time
	// OnError is told about failed reads covered by the signer held.
	OnError func(error)

	mu      sync.Mutex
	signer  Signer
	loaded  bool
	attempt time.Time
}

// Signer returns the signer, reading the secrets first when none is held
// or it is older than TTL.
func (c *SignerCache) Signer(ctx context.Context) (Signer, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	if c.loaded && now.Sub(c.attempt) < c.TTL {
		return c.signer, nil
	}
	c.attempt = now
	signer, err := c.read(ctx)
	switch {
	case err == nil:
		c.signer, c.loaded = signer, true
	case c.loaded:
		if c.OnError != nil {
			c.OnError(err)
		}
	default:
		return Signer{}, err
	}
	return c.signer, nil
}

func (c *SignerCache) read(ctx context.Context) (Signer, error) {
	list, err := c.Load(ctx)
	if err != nil {
		return Signer{}, err
	}
	return ParseSecrets(list)
}

// SecretsManagerSecret reads the string value of the secret arn names.
func SecretsManagerSecret(client *secretsmanager.Client, arn string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
		if err != nil {
			return "", fmt.Errorf("read the signing secret: %w", err)
		}
		if out.SecretString == nil {
			return "", errors.New("the signing secret has no string value")
		}
		return *out.SecretString, nil
	}
}
