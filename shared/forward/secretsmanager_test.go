package forward_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/forward"
)

// TestSecretsManagerSecret runs the real SDK client against testenv's
// Secrets Manager stand-in.
func TestSecretsManagerSecret(t *testing.T) {
	is := is.New(t)
	const arn = "arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:payhook-test/forward/ledger-AbCdEf"
	secret := forward.NewSecret()
	client := secretsmanager.New(secretsmanager.Options{
		Region:       "ap-southeast-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(testenv.SecretsManager(t, arn, secret)),
	})
	value, err := forward.SecretsManagerSecret(client, arn)(context.Background())
	is.NoErr(err)
	is.Equal(value, secret)
	_, err = forward.SecretsManagerSecret(client, arn+"-other")(context.Background())
	is.True(err != nil)
}
