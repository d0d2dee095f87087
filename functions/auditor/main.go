// Command auditor is the auditor Lambda: every DynamoDB stream record,
// TTL deletions included, becomes one redacted audit record in its log
// group; transitions to FAILED raise an SNS alert. It only wires; the
// handler is audit.Auditor, the same one `payhook serve` runs.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/payhook/payhook/shared/audit"
	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/observe"
	"github.com/payhook/payhook/shared/observe/tracing"
)

func main() {
	var cfg config.Auditor
	log := observe.NewLogger(os.Stdout, "info", "auditor") // until the settings say otherwise
	if err := config.Load(os.LookupEnv, &cfg); err != nil {
		log.Fatal().Msg(err.Error())
	}
	log = observe.NewLogger(os.Stdout, cfg.LogLevel, "auditor")
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal().Err(err).Msg("AWS configuration")
	}
	tracing.AWS(&awsCfg)

	auditor := &audit.Auditor{
		// Audit records go to stdout, the function's KMS-encrypted log group.
		Sink:    audit.LogSink{Log: observe.NewLogger(os.Stdout, "info", "audit")},
		Alerter: notify.SNSAlerter{Client: sns.NewFromConfig(awsCfg), TopicARN: cfg.AlertTopicARN},
		Log:     log,
	}
	lambda.Start(auditor.Handle)
}
