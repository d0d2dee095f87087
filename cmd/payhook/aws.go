package main

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/payhook/payhook/shared/notify"
	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/store/dynamo"
)

// awsOperator operates a deployment on AWS through its table, named as
// the deployment is: its event bus is <table>-events, its destinations'
// queues <table>-forward-<name>, its functions' logs /aws/lambda/<table>-<function>.
func awsOperator(cfg aws.Config, table string) operate.Table {
	return operate.Table{
		Store: dynamo.New(dynamodb.NewFromConfig(cfg), table),
		Name:  table,
		Resender: operate.AWSResender{
			Bus:  notify.EventBridgePublisher{Client: eventbridge.NewFromConfig(cfg), BusName: table + "-events"},
			SQS:  sqs.NewFromConfig(cfg),
			Name: table,
		},
	}
}
