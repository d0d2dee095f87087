// Command reconciler is the reconciler Lambda: on a schedule, it lists each
// provider's recent events through the provider's API and stores those
// never delivered, to be processed like any other. It only wires; the
// run is reconcile.Reconciler's, the same one `payhook reconcile` uses.
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
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/observe/tracing"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/reconcile"
	"github.com/payhook/payhook/shared/secrets"
	"github.com/payhook/payhook/shared/store/dynamo"
)

func main() {
	var cfg config.Reconciler
	log := observe.NewLogger(os.Stdout, "info", "reconciler") // until the settings say otherwise
	if err := config.Load(os.LookupEnv, &cfg); err != nil {
		log.Fatal().Msg(err.Error())
	}
	log = observe.NewLogger(os.Stdout, cfg.LogLevel, "reconciler")
	ctx := context.Background()
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal().Err(err).Msg("AWS configuration")
	}
	tracing.AWS(&awsCfg)

	// Each run reads the secret afresh: runs are minutes apart. A secret
	// without a value fails every run, loudly (the errors alarm), until the
	// credentials are put in it.
	secret := secrets.Secret{ARN: cfg.APISecretsARN, Kind: secrets.APICredentials, Misplaced: func(names []string) {
		log.Warn().Strs("settings", names).Msg("the provider API secret holds webhook keys, which the reconciler does not read: remove them")
	}}
	keys := secrets.SecretsManagerCache(secretsmanager.NewFromConfig(awsCfg), secret, time.Minute,
		func(err error) {
			log.Error().Err(err).Msg("provider API secret reload failed; keeping the credentials held")
		})
	if _, err := keys.Keys(ctx); err != nil {
		log.Fatal().Err(err).Msg("provider API secret")
	}
	reconciler := &reconcile.Reconciler{
		Store:     dynamo.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName),
		Retention: func(p string) time.Duration { return registry.Retention(cfg.Retention, p) },
		Alerter:   notify.SNSAlerter{Client: sns.NewFromConfig(awsCfg), TopicARN: cfg.AlertTopicARN},
		Log:       log,
	}
	api := provider.APIConfig{HTTP: &http.Client{Timeout: 30 * time.Second}, Sandbox: cfg.PayPalSandbox}
	lambda.Start(reconciler.Scheduler(keys.Keys, api, cfg.Window))
}
