# Event destinations: the user's endpoints that receive each canonical
# payment event as a signed Standard Webhooks message. Per destination, a
# rule on the event bus puts the events it wants on the destination's own
# queue; the forwarder (functions.tf) takes them from there at most
# forwarder.max_concurrency at a time, signs them with the destination's
# secret and posts them. A message that does not get through is hidden for
# its backoff and retried until forward_retry_window_hours have passed; one
# refused, or out of time, goes to the destination's dead-letter queue as it
# was queued, so an SQS redrive puts it back. Standard queues keep no order:
# consumers deduplicate by webhook-id and order by the body's timestamp.
locals {
  forward             = { for d in var.event_destinations : d.name => d }
  forward_queue_names = { for name in keys(local.forward) : name => "${local.name}-forward-${name}" }
  # Built from names: the key policy names them, and the key cannot wait
  # for the queues it encrypts.
  forward_queue_arns = flatten([for q in values(local.forward_queue_names) : [
    "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${q}", "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${q}-dlq",
  ]])

  # The forwarder dead-letters a message itself when the window closes. The
  # redrive policy is the backstop for a message the forwarder cannot handle
  # at all (it fails every invocation): its receives allow for the most
  # attempts a window can hold (backoffs of at least 7.5 minutes once past
  # the first few, forward.Backoff) with room to spare, and the queue keeps
  # messages 14 days, so that even then the backstop comes first.
  forward_max_receives = ceil(var.forward_retry_window_hours * 3600 / 450) + 50
}

# The destination's signing secrets. Only the secret is managed here; its
# value (whsec_ secrets, comma-separated, the current one first) is set
# outside OpenTofu, so no secret enters the state.
resource "aws_secretsmanager_secret" "forward" {
  for_each    = local.forward
  name        = "${local.name}/forward/${each.key}"
  description = "payhook's signing secrets for the ${each.key} event destination: whsec_ values, comma-separated, the current one first"
  kms_key_id  = aws_kms_key.this.arn
  tags        = local.tags
}

resource "aws_sqs_queue" "forward_dlq" {
  for_each                  = local.forward
  name                      = "${local.forward_queue_names[each.key]}-dlq"
  message_retention_seconds = var.dlq_retention_seconds
  kms_master_key_id         = aws_kms_key.this.arn
  tags                      = local.tags
}

resource "aws_sqs_queue" "forward" {
  for_each                  = local.forward
  name                      = local.forward_queue_names[each.key]
  message_retention_seconds = 1209600
  # Six times the function's timeout, as Lambda advises for SQS sources:
  # what a message waits when an invocation fails as a whole.
  visibility_timeout_seconds = 6 * var.forwarder.timeout
  kms_master_key_id          = aws_kms_key.this.arn
  redrive_policy             = jsonencode({ deadLetterTargetArn = aws_sqs_queue.forward_dlq[each.key].arn, maxReceiveCount = local.forward_max_receives })
  tags                       = local.tags
}

resource "aws_cloudwatch_event_rule" "forward" {
  for_each       = local.forward
  name           = local.forward_queue_names[each.key]
  description    = "Canonical payment events for the ${each.key} event destination"
  event_bus_name = aws_cloudwatch_event_bus.events[0].name
  event_pattern = jsonencode({
    source        = [local.event_source]
    "detail-type" = length(each.value.event_types) > 0 ? each.value.event_types : local.canonical_event_types
  })
  tags = local.tags
}

resource "aws_cloudwatch_event_target" "forward" {
  for_each       = local.forward
  rule           = aws_cloudwatch_event_rule.forward[each.key].name
  event_bus_name = aws_cloudwatch_event_bus.events[0].name
  target_id      = "queue"
  arn            = aws_sqs_queue.forward[each.key].arn

  # EventBridge's own retries of a queue it cannot reach, then the same
  # dead-letter queue, where its messages say why (ERROR_CODE, ERROR_MESSAGE).
  retry_policy {
    maximum_event_age_in_seconds = 86400
    maximum_retry_attempts       = 185
  }

  dead_letter_config {
    arn = aws_sqs_queue.forward_dlq[each.key].arn
  }

  # The queues admit the rule before it sends.
  depends_on = [aws_sqs_queue_policy.forward, aws_sqs_queue_policy.forward_dlq]
}

# Only the destination's rule may send to its queue, and to its dead-letter
# queue (the target's).
resource "aws_sqs_queue_policy" "forward" {
  for_each  = local.forward
  queue_url = aws_sqs_queue.forward[each.key].url
  policy    = jsonencode({ Version = "2012-10-17", Statement = [merge(local.forward_rule_sends[each.key], { Resource = aws_sqs_queue.forward[each.key].arn })] })
}

resource "aws_sqs_queue_policy" "forward_dlq" {
  for_each  = local.forward
  queue_url = aws_sqs_queue.forward_dlq[each.key].url
  policy    = jsonencode({ Version = "2012-10-17", Statement = [merge(local.forward_rule_sends[each.key], { Resource = aws_sqs_queue.forward_dlq[each.key].arn })] })
}

locals {
  forward_rule_sends = { for name, rule in aws_cloudwatch_event_rule.forward : name => {
    Sid       = "TheDestinationsRuleSends"
    Effect    = "Allow"
    Principal = { Service = "events.amazonaws.com" }
    Action    = "sqs:SendMessage"
    Condition = { ArnEquals = { "aws:SourceArn" = rule.arn } }
  } }
}

resource "aws_lambda_event_source_mapping" "forward" {
  for_each                = local.forward
  function_name           = module.forwarder[0].function_name
  event_source_arn        = aws_sqs_queue.forward[each.key].arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]

  # The destination's cap: a slow consumer holds at most this many
  # invocations, and never the other destinations'.
  scaling_config {
    maximum_concurrency = var.forwarder.max_concurrency
  }
}
