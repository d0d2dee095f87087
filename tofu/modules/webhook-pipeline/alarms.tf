locals {
  functions        = { for name, f in local.function_modules : name => f.function_name }
  metric_namespace = "payhook/${var.environment_suffix}"
}

resource "aws_cloudwatch_metric_alarm" "dlq_depth" {
  for_each            = local.dlqs
  alarm_name          = "${each.value.name}-not-empty"
  alarm_description   = "Webhooks wait on the ${each.key} dead-letter queue: look, fix, then payhook redrive --all."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
  tags                = local.tags
}

# Scheduler gave up invoking the reconciler: a run never started (the
# reconciler's own failures are its errors alarm).
resource "aws_cloudwatch_metric_alarm" "reconcile_schedule_dlq" {
  count               = var.reconcile_enabled ? 1 : 0
  alarm_name          = "${aws_sqs_queue.reconcile_schedule_dlq[0].name}-not-empty"
  alarm_description   = "The reconciler's schedule could not invoke it: the messages on ${aws_sqs_queue.reconcile_schedule_dlq[0].name} say why. Nothing to redrive; once invocations work, the next run lists from the last checkpoint."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.reconcile_schedule_dlq[0].name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
  tags                = local.tags
}

# An event destination's messages that were refused, ran out of retries,
# or could not be queued: look (the messages' attributes say why), fix,
# then move them back (the README's Receive payment events in your app).
resource "aws_cloudwatch_metric_alarm" "forward_dlq" {
  for_each            = aws_sqs_queue.forward_dlq
  alarm_name          = "${each.value.name}-not-empty"
  alarm_description   = "Messages for the ${each.key} event destination wait on ${each.value.name}: their attributes say why (payhook_outcome, payhook_reason; ERROR_CODE from EventBridge). Fix the cause, then aws sqs start-message-move-task --source-arn ${each.value.arn} --destination-arn ${aws_sqs_queue.forward[each.key].arn}."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
  tags                = local.tags
}

# A destination not taking its messages: said long before the retry window
# closes and they go to the dead-letter queue.
resource "aws_cloudwatch_metric_alarm" "forward_backlog" {
  for_each            = aws_sqs_queue.forward
  alarm_name          = "${each.value.name}-behind"
  alarm_description   = "The ${each.key} event destination has had messages waiting over ${var.forward_backlog_alarm_minutes} minutes: it is down or refusing (the forwarder's log says which); they are retried for ${var.forward_retry_window_hours} h."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = each.value.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.forward_backlog_alarm_minutes * 60
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "function_errors" {
  for_each            = local.functions
  alarm_name          = "${each.value}-errors"
  alarm_description   = "The ${each.key} function is failing."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "function_throttles" {
  for_each            = local.functions
  alarm_name          = "${each.value}-throttles"
  alarm_description   = "The ${each.key} function hit its reserved concurrency."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${local.name}-api-5xx"
  alarm_description   = "The API answers 5XX: providers are retrying (storage throttled or down?)."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5XXError"
  dimensions          = { ApiName = aws_api_gateway_rest_api.this.name, Stage = aws_api_gateway_stage.this.stage_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.api_5xx_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "api_4xx" {
  alarm_name          = "${local.name}-api-4xx"
  alarm_description   = "The API refuses many requests: a provider whose deliveries fail verification or are misdirected, or someone probing."
  namespace           = "AWS/ApiGateway"
  metric_name         = "4XXError"
  dimensions          = { ApiName = aws_api_gateway_rest_api.this.name, Stage = aws_api_gateway_stage.this.stage_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.api_4xx_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  tags                = local.tags
}

# A provider sending from an address missing from provider_source_cidrs
# meets the per-IP limit, and its bursts are blocked: this says so.
resource "aws_cloudwatch_metric_alarm" "waf_blocked" {
  alarm_name          = "${local.name}-waf-blocked"
  alarm_description   = "WAF blocks requests: a flood, or a provider sending from an address missing from provider_source_cidrs (its retries will follow)."
  namespace           = "AWS/WAFV2"
  metric_name         = "BlockedRequests"
  dimensions          = { WebACL = aws_wafv2_web_acl.this.name, Region = local.region, Rule = "ALL" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.waf_blocked_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  tags                = local.tags
}

# The receiver logs one line per delivery with its outcome (the Outcome
# constants in shared/ingest, which a Go test holds these patterns to).
# Signatures that do not verify are forgeries, or a secret rotated.
resource "aws_cloudwatch_log_metric_filter" "rejected_signatures" {
  name           = "${local.name}-rejected-signatures"
  log_group_name = module.receiver.log_group_name
  pattern        = "{ $.outcome = \"invalid_signature\" }"
  metric_transformation {
    name          = "RejectedSignatures"
    namespace     = local.metric_namespace
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "rejected_signatures" {
  alarm_name          = "${local.name}-rejected-signatures"
  alarm_description   = "More deliveries than usual fail verification: forgeries, or a secret rotated at the provider and not in Secrets Manager."
  namespace           = local.metric_namespace
  metric_name         = aws_cloudwatch_log_metric_filter.rejected_signatures.metric_transformation[0].name
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.rejected_signatures_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  tags                = local.tags
}

# A genuine signature whose time is out of tolerance: the verifier checks
# the signature before the time, so the provider signed it (a forgery
# with any time is invalid_signature). Paddle's retries after an outage
# keep their first attempt's signature and land here by the hundred; the
# reconciler recovers their events. Counted apart from forgeries, with a
# higher threshold over a longer period: worth a look (a replay of
# captured deliveries, a clock off), not a page about forgeries.
resource "aws_cloudwatch_log_metric_filter" "stale_signatures" {
  name           = "${local.name}-stale-signatures"
  log_group_name = module.receiver.log_group_name
  pattern        = "{ $.outcome = \"timestamp_out_of_tolerance\" }"
  metric_transformation {
    name          = "StaleSignatures"
    namespace     = local.metric_namespace
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "stale_signatures" {
  alarm_name          = "${local.name}-stale-signatures"
  alarm_description   = "Genuine deliveries signed too long ago (or ahead) are refused: a provider retrying after an outage with its first signature (Paddle; the reconciler recovers those events, check its runs), a replay of captured deliveries, or a clock off. Not forgeries: those raise rejected-signatures."
  namespace           = local.metric_namespace
  metric_name         = aws_cloudwatch_log_metric_filter.stale_signatures.metric_transformation[0].name
  statistic           = "Sum"
  period              = 900
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.stale_signatures_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  tags                = local.tags
}

# A delivery that verified but that the table refused for good (an item
# over DynamoDB's limits) was answered 422 and will not be retried: each
# one is a genuine payment event someone must fetch from the provider.
resource "aws_cloudwatch_log_metric_filter" "unstorable" {
  name           = "${local.name}-unstorable"
  log_group_name = module.receiver.log_group_name
  pattern        = "{ $.outcome = \"unstorable\" }"
  metric_transformation {
    name          = "UnstorableDeliveries"
    namespace     = local.metric_namespace
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "unstorable" {
  alarm_name          = "${local.name}-unstorable"
  alarm_description   = "A verified delivery could not be stored and will not be retried: find it in the receiver's log (event_id) and fetch it from the provider."
  namespace           = local.metric_namespace
  metric_name         = aws_cloudwatch_log_metric_filter.unstorable.metric_transformation[0].name
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "processor_lag" {
  alarm_name          = "${local.name}-processor-lag"
  alarm_description   = "The processor is more than 5 minutes behind the table's stream."
  namespace           = "AWS/Lambda"
  metric_name         = "IteratorAge"
  dimensions          = { FunctionName = module.processor.function_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = 300000
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  tags                = local.tags
}
