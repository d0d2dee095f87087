locals {
  # The processor asks providers' APIs about their events: PayPal's and
  # Checkout.com's to confirm them, GoCardless's for the amounts its
  # webhooks leave out.
  processor_asks_apis = var.paypal_confirm || var.checkout_confirm || var.gocardless_amounts
}

module "receiver" {
  source               = "../lambda-function"
  name                 = "${local.name}-receiver"
  description          = "Verifies and stores webhooks exactly once"
  zip_path             = local.zip.receiver
  role                 = var.function_roles["receiver"]
  timeout              = var.receiver.timeout
  memory_size          = var.receiver.memory_size
  reserved_concurrency = local.reserved_concurrency.receiver
  kms_key_arn          = aws_kms_key.this.arn
  log_retention_days   = var.log_retention_days
  tags                 = local.tags
  environment = {
    PAYHOOK_TABLE_NAME = aws_dynamodb_table.this.name
    # The webhook keys only: the internet-facing function holds no API
    # credential.
    PAYHOOK_SECRETS_ARN    = aws_secretsmanager_secret.providers.arn
    PAYHOOK_PAYPAL_SANDBOX = tostring(var.paypal_sandbox)
    # Its metrics go out in its log (Embedded Metric Format): no
    # permission beyond the log group's.
    PAYHOOK_METRICS_NAMESPACE = local.metric_namespace
  }
  policy_statements = [
    {
      # Only the items it writes (store.WebhookKey, store.TransmissionKey):
      # webhooks and the bindings of signed transmissions, never a
      # payment's state or a checkpoint.
      sid        = "StoreWebhooksAndTransmissions", actions = ["dynamodb:PutItem"], resources = [aws_dynamodb_table.this.arn]
      conditions = { "ForAllValues:StringLike" = { "dynamodb:LeadingKeys" = local.receiver_keys } }
    },
    { sid = "ReadWebhookKeys", actions = ["secretsmanager:GetSecretValue"], resources = [aws_secretsmanager_secret.providers.arn] },
    { sid = "EncryptItems", actions = ["kms:GenerateDataKey"], resources = [aws_kms_key.this.arn] },
  ]
}

module "processor" {
  source               = "../lambda-function"
  name                 = "${local.name}-processor"
  description          = "Turns stored webhooks into payment state, events and alerts"
  zip_path             = local.zip.processor
  role                 = var.function_roles["processor"]
  timeout              = var.processor.timeout
  memory_size          = var.processor.memory_size
  reserved_concurrency = local.reserved_concurrency.processor
  kms_key_arn          = aws_kms_key.this.arn
  log_retention_days   = var.log_retention_days
  tags                 = local.tags
  environment = merge({
    PAYHOOK_TABLE_NAME         = aws_dynamodb_table.this.name
    PAYHOOK_DLQ_URL            = aws_sqs_queue.processor_dlq.url
    PAYHOOK_ALERT_TOPIC_ARN    = aws_sns_topic.alerts.arn
    PAYHOOK_PAYPAL_SANDBOX     = tostring(var.paypal_sandbox)
    PAYHOOK_PAYPAL_CONFIRM     = tostring(var.paypal_confirm)
    PAYHOOK_CHECKOUT_CONFIRM   = tostring(var.checkout_confirm)
    PAYHOOK_GOCARDLESS_AMOUNTS = tostring(var.gocardless_amounts)
    # As the receiver's: metrics in its log.
    PAYHOOK_METRICS_NAMESPACE = local.metric_namespace
    },
    # The providers' API credentials, to confirm PayPal's and
    # Checkout.com's deliveries and read GoCardless's amounts with, are in
    # the API credentials' secret: the processor reads it only when it does
    # any, and never the webhook keys.
    local.processor_asks_apis ? { PAYHOOK_API_SECRETS_ARN = aws_secretsmanager_secret.provider_apis.arn } : {},
    var.critical_event_types == null ? {} : { PAYHOOK_CRITICAL_EVENT_TYPES = join(",", var.critical_event_types) },
  var.event_bus_enabled ? { PAYHOOK_EVENT_BUS_NAME = aws_cloudwatch_event_bus.events[0].name } : {})
  policy_statements = concat([
    { sid = "ReadAndCommit", actions = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:ConditionCheckItem"], resources = [aws_dynamodb_table.this.arn] },
    { sid = "ReadTheStream", actions = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"], resources = [aws_dynamodb_table.this.stream_arn] },
    { sid = "DeadLetters", actions = ["sqs:SendMessage"], resources = [aws_sqs_queue.processor_dlq.arn] },
    { sid = "Alerts", actions = ["sns:Publish"], resources = [aws_sns_topic.alerts.arn] },
    { sid = "EncryptItemsAndMessages", actions = ["kms:GenerateDataKey"], resources = [aws_kms_key.this.arn] },
    ], local.processor_asks_apis ? [
    { sid = "ReadAPICredentials", actions = ["secretsmanager:GetSecretValue"], resources = [aws_secretsmanager_secret.provider_apis.arn] },
    ] : [], var.event_bus_enabled ? [
    { sid = "PublishEvents", actions = ["events:PutEvents"], resources = [aws_cloudwatch_event_bus.events[0].arn] },
  ] : [])
}

module "auditor" {
  source               = "../lambda-function"
  name                 = "${local.name}-auditor"
  description          = "Writes the audit trail of every change"
  zip_path             = local.zip.auditor
  role                 = var.function_roles["auditor"]
  timeout              = var.auditor.timeout
  memory_size          = var.auditor.memory_size
  reserved_concurrency = local.reserved_concurrency.auditor
  kms_key_arn          = aws_kms_key.this.arn
  log_retention_days   = var.log_retention_days
  tags                 = local.tags
  environment = {
    PAYHOOK_ALERT_TOPIC_ARN = aws_sns_topic.alerts.arn
  }
  policy_statements = [
    { sid = "ReadTheStream", actions = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"], resources = [aws_dynamodb_table.this.stream_arn] },
    { sid = "GiveUpToTheDeadLetterQueue", actions = ["sqs:SendMessage"], resources = [aws_sqs_queue.auditor_dlq.arn] },
    { sid = "Alerts", actions = ["sns:Publish"], resources = [aws_sns_topic.alerts.arn] },
    { sid = "EncryptMessages", actions = ["kms:GenerateDataKey"], resources = [aws_kms_key.this.arn] },
  ]
}

locals {
  # The partition keys the receiver writes: webhooks, and the bindings of
  # signed transmissions (shared/store's WebhookKey and TransmissionKey; a
  # Go test holds the receiver to them).
  receiver_keys = ["WEBHOOK#*", "TRANSMISSION#*"]
}

# Reads each provider's recent events through its API and stores those
# never delivered, which the processor then handles like any delivery. It
# writes only with the receiver's conditional put and its own checkpoint
# items (RECONCILE#<provider>), and runs on the schedule in schedule.tf.
module "reconciler" {
  source               = "../lambda-function"
  count                = var.reconcile_enabled ? 1 : 0
  name                 = "${local.name}-reconciler"
  description          = "Stores the events providers list that were never delivered"
  zip_path             = local.zip.reconciler
  role                 = var.function_roles["reconciler"]
  timeout              = var.reconciler.timeout
  memory_size          = var.reconciler.memory_size
  reserved_concurrency = local.reserved_concurrency.reconciler
  kms_key_arn          = aws_kms_key.this.arn
  log_retention_days   = var.log_retention_days
  tags                 = local.tags
  environment = {
    PAYHOOK_TABLE_NAME       = aws_dynamodb_table.this.name
    PAYHOOK_API_SECRETS_ARN  = aws_secretsmanager_secret.provider_apis.arn
    PAYHOOK_ALERT_TOPIC_ARN  = aws_sns_topic.alerts.arn
    PAYHOOK_PAYPAL_SANDBOX   = tostring(var.paypal_sandbox)
    PAYHOOK_RECONCILE_WINDOW = var.reconcile_window
  }
  policy_statements = [
    {
      # Only its own items: webhooks it recovers and its checkpoints, never
      # a payment's state or a transmission's binding.
      sid        = "StoreRecoveredWebhooksAndCheckpoints", actions = ["dynamodb:PutItem", "dynamodb:GetItem"], resources = [aws_dynamodb_table.this.arn]
      conditions = { "ForAllValues:StringLike" = { "dynamodb:LeadingKeys" = ["WEBHOOK#*", "RECONCILE#*"] } }
    },
    { sid = "ReadAPICredentials", actions = ["secretsmanager:GetSecretValue"], resources = [aws_secretsmanager_secret.provider_apis.arn] },
    { sid = "EncryptItemsAndMessagesReadTheSecret", actions = ["kms:GenerateDataKey", "kms:Decrypt"], resources = [aws_kms_key.this.arn] },
    { sid = "Alerts", actions = ["sns:Publish"], resources = [aws_sns_topic.alerts.arn] },
  ]
}

# Delivers canonical events to the event destinations (forward.tf), from
# their queues: only when there are destinations.
module "forwarder" {
  source               = "../lambda-function"
  count                = local.forward_enabled ? 1 : 0
  name                 = "${local.name}-forwarder"
  description          = "Delivers canonical payment events, signed, to the event destinations"
  zip_path             = local.zip.forwarder
  role                 = var.function_roles["forwarder"]
  timeout              = var.forwarder.timeout
  memory_size          = var.forwarder.memory_size
  reserved_concurrency = local.reserved_concurrency.forwarder
  kms_key_arn          = aws_kms_key.this.arn
  log_retention_days   = var.log_retention_days
  tags                 = local.tags
  environment = {
    # forward.ParseAWSDestinations reads it.
    PAYHOOK_FORWARD_DESTINATIONS = jsonencode([for name, d in local.forward : {
      name                  = name
      url                   = d.url
      event_types           = d.event_types
      queue_arn             = aws_sqs_queue.forward[name].arn
      queue_url             = aws_sqs_queue.forward[name].url
      dead_letter_queue_url = aws_sqs_queue.forward_dlq[name].url
      secret_arn            = aws_secretsmanager_secret.forward[name].arn
    }])
    PAYHOOK_FORWARD_RETRY_WINDOW = "${var.forward_retry_window_hours}h"
    # Attempts by destination and outcome, in its log (Embedded Metric Format).
    PAYHOOK_METRICS_NAMESPACE = local.metric_namespace
  }
  policy_statements = [
    {
      sid       = "TakeFromTheDestinationsQueues", actions = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
      resources = [for q in aws_sqs_queue.forward : q.arn]
    },
    { sid = "DeadLetters", actions = ["sqs:SendMessage"], resources = [for q in aws_sqs_queue.forward_dlq : q.arn] },
    { sid = "ReadSigningSecrets", actions = ["secretsmanager:GetSecretValue"], resources = [for s in aws_secretsmanager_secret.forward : s.arn] },
    { sid = "ReadMessagesAndSecretsEncryptDeadLetters", actions = ["kms:Decrypt", "kms:GenerateDataKey"], resources = [aws_kms_key.this.arn] },
  ]
}
