# IAM Access Analyzer finds what this account lets an outside principal
# reach: a role trusting another account, a key or queue shared outside.
# Every active finding goes to an environment's alert topic, and what
# EventBridge cannot deliver there to a dead-letter queue, whose alarm says so.
resource "aws_accessanalyzer_analyzer" "external_access" {
  count         = var.access_analyzer ? 1 : 0
  analyzer_name = "${var.name_prefix}-external-access"
  type          = "ACCOUNT"
  tags          = local.tags
}

# Access Analyzer sends its findings to the default bus.
resource "aws_cloudwatch_event_rule" "access_findings" {
  name           = "${var.name_prefix}-access-analyzer-findings"
  event_bus_name = "default"
  description    = "IAM Access Analyzer's active findings: something in the account is reachable from outside it"
  event_pattern = jsonencode({
    source        = ["aws.access-analyzer"]
    "detail-type" = ["Access Analyzer Finding"]
    detail        = { status = ["ACTIVE"] }
  })
  tags = local.tags
}

resource "aws_cloudwatch_event_target" "access_findings" {
  rule      = aws_cloudwatch_event_rule.access_findings.name
  target_id = "alerts"
  arn       = local.alert_topic_arn

  retry_policy {
    maximum_event_age_in_seconds = 86400
    maximum_retry_attempts       = 185
  }

  dead_letter_config {
    arn = aws_sqs_queue.access_findings_dlq.arn
  }

  depends_on = [aws_sqs_queue_policy.access_findings_dlq]
}

resource "aws_sqs_queue" "access_findings_dlq" {
  name                      = "${local.name}-access-findings-dlq"
  message_retention_seconds = 1209600
  kms_master_key_id         = aws_kms_key.account.arn
  tags                      = local.tags
}

# Only the findings rule may send to its dead-letter queue.
resource "aws_sqs_queue_policy" "access_findings_dlq" {
  queue_url = aws_sqs_queue.access_findings_dlq.url
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "TheFindingsRuleSends"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.access_findings_dlq.arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.access_findings.arn } }
    }]
  })
}

resource "aws_cloudwatch_metric_alarm" "access_findings_dlq" {
  alarm_name          = "${local.name}-access-findings-undelivered"
  alarm_description   = "IAM Access Analyzer's findings could not reach ${local.alert_topic_arn}: read them on ${aws_sqs_queue.access_findings_dlq.name}, and in the IAM console's Access Analyzer."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.access_findings_dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.alert_topic_arn]
  tags                = local.tags
}
