resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = local.name
  dashboard_body = jsonencode({
    widgets = concat([
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title = "Deliveries", region = local.region, stat = "Sum", period = 60
          metrics = [
            ["AWS/ApiGateway", "Count", "ApiName", aws_api_gateway_rest_api.this.name, "Stage", var.environment_suffix],
            [".", "4XXError", ".", ".", ".", "."],
            [".", "5XXError", ".", ".", ".", "."],
            [local.metric_namespace, "RejectedSignatures"],
            [local.metric_namespace, "StaleSignatures"],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title = "Receiver latency (ms)", region = local.region, period = 60
          metrics = [
            ["AWS/Lambda", "Duration", "FunctionName", module.receiver.function_name, { stat = "p50" }],
            ["...", { stat = "p99" }],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title = "Functions: errors and throttles", region = local.region, stat = "Sum", period = 60
          metrics = concat(
            [for f in values(local.functions) : ["AWS/Lambda", "Errors", "FunctionName", f]],
            [for f in values(local.functions) : ["AWS/Lambda", "Throttles", "FunctionName", f]],
          )
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title = "Processing lag and dead letters", region = local.region, period = 60
          metrics = concat(
            [["AWS/Lambda", "IteratorAge", "FunctionName", module.processor.function_name, { stat = "Maximum" }]],
            [for q in local.dlqs : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q.name, { stat = "Maximum" }]],
            [for q in aws_sqs_queue.reconcile_schedule_dlq : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q.name, { stat = "Maximum" }]],
          )
        }
      },
      # The functions' own metrics, from their logs (Embedded Metric
      # Format, shared/metrics/emf): SEARCH draws one line per outcome.
      {
        type = "metric", x = 0, y = 12, width = 12, height = 6
        properties = {
          title = "Deliveries by outcome", region = local.region, stat = "Sum", period = 60
          metrics = [
            [{ expression = "SEARCH('{\"${local.metric_namespace}\",Function,Outcome} MetricName=\"Deliveries\"', 'Sum', 60)", id = "deliveries", label = "" }],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 12, width = 12, height = 6
        properties = {
          title = "Receiver answer time (ms), measured in the handler", region = local.region, period = 60
          metrics = [
            [local.metric_namespace, "ReceiverDuration", "Function", "receiver", { stat = "p50" }],
            ["...", { stat = "p99" }],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 18, width = 12, height = 6
        properties = {
          title = "Processed by verdict, and failed", region = local.region, stat = "Sum", period = 60
          metrics = [
            [{ expression = "SEARCH('{\"${local.metric_namespace}\",Function,Outcome} MetricName=\"Processed\"', 'Sum', 60)", id = "processed", label = "" }],
            [local.metric_namespace, "Failed", "Function", "processor", { id = "failed", label = "failed" }],
          ]
        }
      },
      ], local.forward_enabled ? [
      {
        type = "metric", x = 0, y = 24, width = 12, height = 6
        properties = {
          title = "Event destinations: backlog, oldest message (s), dead letters", region = local.region, stat = "Maximum", period = 60
          metrics = concat(
            [for q in aws_sqs_queue.forward : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q.name]],
            [for q in aws_sqs_queue.forward : ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", q.name]],
            [for q in aws_sqs_queue.forward_dlq : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q.name]],
          )
        }
      },
      ] : [], var.reconcile_enabled ? [
      {
        type = "metric", x = 12, y = 18, width = 12, height = 6
        properties = {
          title = "Reconciler runs", region = local.region, stat = "Sum", period = 900
          metrics = [
            ["AWS/Lambda", "Invocations", "FunctionName", module.reconciler[0].function_name],
            [".", "Errors", ".", "."],
            [".", "Duration", ".", ".", { stat = "Maximum" }],
          ]
        }
      },
    ] : [])
  })
}
