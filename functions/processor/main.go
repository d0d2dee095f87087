// Command processor is the processor Lambda: DynamoDB stream records of new
// or redriven webhooks in; payment state, published events, alerts and
// dead letters out. It only wires; the handler is process.Processor, the
// same one `payhook serve` runs on the embedded change feed.
package main

import (
	"context"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/deadletter"
	"github.com/payhook/payhook/shared/metrics/emf"
	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/observe/tracing"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/reconcile"
	"github.com/payhook/payhook/shared/secrets"
	"github.com/payhook/payhook/shared/store/dynamo"
)

func main() {
	var (
		cfg          config.Processor
		reconcileCfg config.Reconcile
		metricsCfg   config.Metrics
	)
	log := observe.NewLogger(os.Stdout, "info", "processor") // until the settings say otherwise
	if err := config.Load(os.LookupEnv, &cfg, &reconcileCfg, &metricsCfg); err != nil {
		log.Fatal().Msg(err.Error())
	}
	log = observe.NewLogger(os.Stdout, cfg.LogLevel, "processor")
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal().Err(err).Msg("AWS configuration")
	}
	tracing.AWS(&awsCfg)

	processor := &process.Processor{
		Store:     dynamo.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName),
		DLQ:       deadletter.SQS{Client: sqs.NewFromConfig(awsCfg), QueueURL: cfg.DLQURL, Source: "processor"},
		Alerter:   notify.SNSAlerter{Client: sns.NewFromConfig(awsCfg), TopicARN: cfg.AlertTopicARN},
		Critical:  cfg.CriticalTypes,
		Normalize: registry.Normalize,
		Log:       log,
		Metrics:   emf.New(os.Stdout, metricsCfg.Namespace, "processor"),
	}
	if cfg.APISecretsARN != "" && (reconcileCfg.Confirms() || reconcileCfg.GoCardlessAmounts) {
		secret := secrets.Secret{ARN: cfg.APISecretsARN, Kind: secrets.APICredentials, Misplaced: func(names []string) {
			log.Warn().Strs("settings", names).Msg("the provider API secret holds webhook keys, which the processor does not read: remove them")
		}}
		cache := secrets.SecretsManagerCache(secretsmanager.NewFromConfig(awsCfg), secret, cfg.SecretsRefresh,
			func(err error) {
				log.Error().Err(err).Msg("provider API secret reload failed; keeping the credentials held")
			})
		// Until the secret has a value, deliveries are processed as without
		// credentials (unconfirmed, GoCardless's amounts unknown), and the
		// log says why.
		keys := secrets.Optional(cache.Keys, func(err error) {
			log.Error().Err(err).Msg("no provider API credentials: deliveries are processed unconfirmed and GoCardless amounts unknown until they are put in the secret")
		})
		api := provider.APIConfig{HTTP: &http.Client{Timeout: 10 * time.Second}, Sandbox: cfg.PayPalSandbox}
		confirmation := &reconcile.Confirmation{Keys: keys, API: api, Confirming: reconcileCfg.Confirmed()}
		if reconcileCfg.Confirms() {
			processor.Confirm = confirmation.Confirm
		}
		if reconcileCfg.GoCardlessAmounts {
			processor.Amounts = confirmation.Amounts
		}
	}
	if cfg.EventBusName != "" {
		processor.Publisher = notify.EventBridgePublisher{Client: eventbridge.NewFromConfig(awsCfg), BusName: cfg.EventBusName}
	}
	lambda.Start(processor.Handle)
}
