# Dead-letter queues: the processor names webhooks it marked FAILED on the
# first; each stream mapping sends batches it gave up on to its own.
resource "aws_sqs_queue" "processor_dlq" {
  name                      = "${local.name}-processor-dlq"
  message_retention_seconds = var.dlq_retention_seconds
  kms_master_key_id         = aws_kms_key.this.arn
  tags                      = local.tags
}

resource "aws_sqs_queue" "auditor_dlq" {
  name                      = "${local.name}-auditor-dlq"
  message_retention_seconds = var.dlq_retention_seconds
  kms_master_key_id         = aws_kms_key.this.arn
  tags                      = local.tags
}

# The reconciler's schedule puts here each run it could not start (after
# its retries): nothing to redrive, since the next run that starts lists
# from the last checkpoint; the message says why the invocation failed.
resource "aws_sqs_queue" "reconcile_schedule_dlq" {
  count                     = var.reconcile_enabled ? 1 : 0
  name                      = "${local.name}-reconciler-schedule-dlq"
  message_retention_seconds = var.dlq_retention_seconds
  kms_master_key_id         = aws_kms_key.this.arn
  tags                      = local.tags
}

locals {
  event_bus_name = "${local.name}-events"
  dlqs           = { processor = aws_sqs_queue.processor_dlq, auditor = aws_sqs_queue.auditor_dlq }
}

resource "aws_sns_topic" "alerts" {
  name              = "${local.name}-alerts"
  kms_master_key_id = aws_kms_key.this.arn
  tracing_config    = "Active"
  tags              = local.tags
}

# Active tracing on a topic needs X-Ray to accept segments from SNS for it
# (X-Ray Developer Guide, "Amazon SNS and AWS X-Ray", read 2026-11-28).
resource "aws_xray_resource_policy" "alerts_tracing" {
  policy_name = "${local.name}-alerts-tracing"
  policy_document = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "SNSSendsTheTopicsSegments"
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = ["xray:PutTraceSegments", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
      Resource  = "*"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = aws_sns_topic.alerts.arn }
      }
    }]
  })
}

# Who may publish to the topic: the account's principals as IAM allows, the
# environment's alarms and the account root's (envs/account: its
# dead-letter alarm), and the account root's rule that routes IAM Access
# Analyzer's findings here.
resource "aws_sns_topic_policy" "alerts" {
  arn = aws_sns_topic.alerts.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountManagesTheTopic"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = ["sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:AddPermission", "sns:RemovePermission", "sns:DeleteTopic", "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish"]
        Resource  = aws_sns_topic.alerts.arn
      },
      {
        Sid       = "AlarmsPublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.alerts.arn
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike      = { "aws:SourceArn" = local.alarm_arns }
        }
      },
      {
        Sid       = "AccessAnalyzerFindingsArrive"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.alerts.arn
        Condition = { ArnEquals = { "aws:SourceArn" = local.account_findings_rule_arn } }
      },
    ]
  })
}

locals {
  alert_topic_arn = "arn:${local.partition}:sns:${local.region}:${local.account_id}:${local.name}-alerts"
  alarm_arns = [
    "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${local.name}-*",
    "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.name_prefix}-account-*",
  ]
  # The account root's rule (envs/account, payhook-account's findings rule),
  # on the default bus.
  account_findings_rule_arn = "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${var.name_prefix}-access-analyzer-findings"
}

resource "aws_cloudwatch_event_bus" "events" {
  count              = var.event_bus_enabled ? 1 : 0
  name               = local.event_bus_name
  kms_key_identifier = aws_kms_key.this.arn
  tags               = local.tags
}

# The provider keys, in two secrets: the webhook keys, which only the
# receiver (and payhook smoke) reads, and the providers' API credentials,
# which only the processor and the reconciler read. Which setting goes where
# is the provider registry's (providers.tf.json). Only the secrets are
# managed here; their values are set outside OpenTofu (README: Deploy to
# AWS), so no key ever enters the state.
resource "aws_secretsmanager_secret" "providers" {
  name        = "${local.name}/providers"
  description = "payhook's webhook keys: JSON with ${join(", ", local.provider_signing_settings)}"
  kms_key_id  = aws_kms_key.this.arn
  tags        = local.tags
}

resource "aws_secretsmanager_secret" "provider_apis" {
  name        = "${local.name}/provider-apis"
  description = "payhook's provider API credentials, for reconciliation, PayPal's confirmations and GoCardless's amounts: JSON with ${join(", ", local.provider_api_settings)}"
  kms_key_id  = aws_kms_key.this.arn
  tags        = local.tags
}
