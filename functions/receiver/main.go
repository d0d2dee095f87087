// Command receiver is the receiver Lambda: API Gateway proxy events in,
// webhooks stored exactly once in DynamoDB. It only wires; the handler is
// ingest.Receiver, the same one `payhook serve` runs.
package main

import (
	"context"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/ingest"
	"github.com/payhook/payhook/shared/metrics/emf"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/observe/tracing"
	"github.com/payhook/payhook/shared/provider/paypal"
	"github.com/payhook/payhook/shared/secrets"
	"github.com/payhook/payhook/shared/store/dynamo"
)

func main() {
	var cfg config.Receiver
	var env config.ReceiverAWS
	var metricsCfg config.Metrics
	log := observe.NewLogger(os.Stdout, "info", "receiver") // until the settings say otherwise
	if err := config.Load(os.LookupEnv, &cfg, &env, &metricsCfg); err != nil {
		log.Fatal().Msg(err.Error())
	}
	log = observe.NewLogger(os.Stdout, cfg.LogLevel, "receiver")
	ctx := context.Background()
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal().Err(err).Msg("AWS configuration")
	}
	tracing.AWS(&awsCfg)

	// The webhook keys only: API credentials left in this secret from
	// before the split are not read, and named so that they are moved.
	secret := secrets.Secret{ARN: env.SecretsARN, Kind: secrets.WebhookKeys, Misplaced: func(names []string) {
		log.Warn().Strs("settings", names).Msg("the provider secret holds API credentials, which the receiver does not read: move them to the provider API secret (README: Upgrading)")
	}}
	keys := secrets.SecretsManagerCache(secretsmanager.NewFromConfig(awsCfg), secret, env.SecretsRefresh,
		func(err error) { log.Error().Err(err).Msg("provider secret reload failed; keeping the keys held") })
	// Read the secret at cold start: a bad or unreadable secret fails the
	// init loudly instead of every request quietly.
	if _, err := keys.Keys(ctx); err != nil {
		log.Fatal().Err(err).Msg("provider secret")
	}
	store := dynamo.New(dynamodb.NewFromConfig(awsCfg), env.TableName)
	certs := paypal.NewCerts(&http.Client{Timeout: 5 * time.Second}, cfg.PayPalSandbox)
	receiver := ingest.New(cfg, keys, store, certs, log)
	receiver.Metrics = emf.New(os.Stdout, metricsCfg.Namespace, "receiver")
	lambda.Start(ingest.APIGatewayHandler(receiver))
}
