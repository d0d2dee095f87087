// Command hellosdk is hello-world plus what every payhook function starts
// with: the AWS SDK's default configuration and the service clients the
// functions use (DynamoDB, SQS, SNS, EventBridge, Secrets Manager), built
// and never called. Its cold start, beside hello-world's, is the part of a
// function's that is the SDK's own (docs/benchmarks.md). It is not
// deployed.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

func main() {
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	clients := []any{
		dynamodb.NewFromConfig(cfg), sqs.NewFromConfig(cfg), sns.NewFromConfig(cfg),
		eventbridge.NewFromConfig(cfg), secretsmanager.NewFromConfig(cfg),
	}
	lambda.Start(func() (int, error) { return len(clients), nil })
}
