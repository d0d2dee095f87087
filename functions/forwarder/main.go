// Command forwarder is the forwarder Lambda: batches from the destinations'
// SQS queues, which EventBridge rules fill with canonical payment events,
// in; signed Standard Webhooks messages to the user's endpoints, delays and
// dead letters out. It only wires; the handler is forward.Forwarder, over
// the message, signature and attempt `payhook serve` delivers with too.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/forward"
	"github.com/payhook/payhook/shared/metrics/emf"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/observe/tracing"
)

func main() {
	var (
		cfg        config.Forwarder
		metricsCfg config.Metrics
	)
	log := observe.NewLogger(os.Stdout, "info", "forwarder") // until the settings say otherwise
	if err := config.Load(os.LookupEnv, &cfg, &metricsCfg); err != nil {
		log.Fatal().Msg(err.Error())
	}
	log = observe.NewLogger(os.Stdout, cfg.LogLevel, "forwarder")
	destinations, err := forward.ParseAWSDestinations(cfg.Destinations)
	if err != nil {
		log.Fatal().Msg(err.Error())
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal().Err(err).Msg("AWS configuration")
	}
	tracing.AWS(&awsCfg)

	queues, secrets := sqs.NewFromConfig(awsCfg), secretsmanager.NewFromConfig(awsCfg)
	forwarder := &forward.Forwarder{
		Destinations: map[string]forward.QueuedDestination{},
		HTTP:         forward.NewClient(forward.DefaultTimeout),
		RetryWindow:  cfg.RetryWindow,
		Log:          log,
		Metrics:      emf.New(os.Stdout, metricsCfg.Namespace, "forwarder"),
	}
	for _, d := range destinations {
		// A destination's secret is read when its first message comes: one
		// not set yet holds that destination's messages, not the others'.
		signer := &forward.SignerCache{
			Load: forward.SecretsManagerSecret(secrets, d.SecretARN), TTL: cfg.SecretsRefresh,
			OnError: func(err error) {
				log.Error().Err(err).Str("destination", d.Name).Msg("signing secret reload failed; keeping the secrets held")
			},
		}
		forwarder.Destinations[d.QueueARN] = forward.QueuedDestination{
			Destination: d.Destination,
			Queue:       forward.SQSQueue{Client: queues, URL: d.QueueURL, DeadLetterURL: d.DeadLetterQueueURL},
			Signer:      signer.Signer,
		}
	}
	lambda.Start(forwarder.Handle)
}
