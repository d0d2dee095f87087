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

resource "aws_cloudwatch_event_bus" "events" {
  count              = var.event_bus_enabled ? 1 : 0
  name               = local.event_bus_name
  kms_key_identifier = aws_kms_key.this.arn
  tags               = local.tags
}

# The provider keys. Only the secret is managed here; its value is set
# outside OpenTofu (README: deploy), so no key ever enters the state.
resource "aws_secretsmanager_secret" "providers" {
  name        = "${local.name}/providers"
  description = "payhook provider keys: JSON with ${join(", ", local.provider_settings)}"
  kms_key_id  = aws_kms_key.this.arn
  tags        = local.tags
}
