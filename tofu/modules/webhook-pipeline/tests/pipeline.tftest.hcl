# Plan-time checks of the numbers and protections the design asks for. The
# mock provider stands in for AWS; computed ARNs are pinned so that
# references can be compared.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
  }
  mock_data "aws_region" {
    defaults = { region = "ap-southeast-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_servicequotas_service_quota" {
    defaults = { value = 1000 }
  }
}

override_resource {
  target = aws_kms_key.this
  values = { arn = "arn:aws:kms:ap-southeast-1:111122223333:key/test", key_id = "test" }
}

override_resource {
  target = aws_dynamodb_table.this
  values = {
    arn        = "arn:aws:dynamodb:ap-southeast-1:111122223333:table/payhook-test"
    stream_arn = "arn:aws:dynamodb:ap-southeast-1:111122223333:table/payhook-test/stream/2026-11-27T00:00:00.000"
  }
}

override_resource {
  target = aws_sqs_queue.processor_dlq
  values = { arn = "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-processor-dlq", url = "https://sqs.ap-southeast-1.amazonaws.com/111122223333/payhook-test-processor-dlq" }
}

override_resource {
  target = aws_sqs_queue.auditor_dlq
  values = { arn = "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-auditor-dlq", url = "https://sqs.ap-southeast-1.amazonaws.com/111122223333/payhook-test-auditor-dlq" }
}

override_resource {
  target = aws_sns_topic.alerts
  values = { arn = "arn:aws:sns:ap-southeast-1:111122223333:payhook-test-alerts" }
}

override_resource {
  target = aws_secretsmanager_secret.providers
  values = { arn = "arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:payhook-test/providers-AbCdEf" }
}

override_resource {
  target = aws_secretsmanager_secret.provider_apis
  values = { arn = "arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:payhook-test/provider-apis-GhIjKl" }
}

override_resource {
  target = module.reconciler.aws_lambda_function.this
  values = { arn = "arn:aws:lambda:ap-southeast-1:111122223333:function:payhook-test-reconciler" }
}

override_resource {
  target = module.reconciler.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:ap-southeast-1:111122223333:log-group:/aws/lambda/payhook-test-reconciler" }
}

override_resource {
  target = aws_sqs_queue.reconcile_schedule_dlq
  values = { arn = "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-reconciler-schedule-dlq", url = "https://sqs.ap-southeast-1.amazonaws.com/111122223333/payhook-test-reconciler-schedule-dlq" }
}

override_resource {
  target = module.receiver.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:ap-southeast-1:111122223333:log-group:/aws/lambda/payhook-test-receiver" }
}

override_resource {
  target = module.processor.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:ap-southeast-1:111122223333:log-group:/aws/lambda/payhook-test-processor" }
}

override_resource {
  target = module.auditor.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:ap-southeast-1:111122223333:log-group:/aws/lambda/payhook-test-auditor" }
}

variables {
  environment_suffix = "test"
  lambda_zip_dir     = "../../tests/lambda-zips"
  function_roles = {
    receiver   = { name = "payhook-test-receiver", arn = "arn:aws:iam::111122223333:role/payhook/test/payhook-test-receiver" }
    processor  = { name = "payhook-test-processor", arn = "arn:aws:iam::111122223333:role/payhook/test/payhook-test-processor" }
    auditor    = { name = "payhook-test-auditor", arn = "arn:aws:iam::111122223333:role/payhook/test/payhook-test-auditor" }
    reconciler = { name = "payhook-test-reconciler", arn = "arn:aws:iam::111122223333:role/payhook/test/payhook-test-reconciler" }
    forwarder  = { name = "payhook-test-forwarder", arn = "arn:aws:iam::111122223333:role/payhook/test/payhook-test-forwarder" }
  }
  schedule_role = { name = "payhook-test-reconciler-schedule", arn = "arn:aws:iam::111122223333:role/payhook/test/payhook-test-reconciler-schedule" }
}

run "functions_are_sized_traced_and_encrypted" {
  command = plan

  assert {
    condition     = output.functions.receiver.configuration.timeout == 30 && output.functions.receiver.configuration.reserved_concurrency == 100
    error_message = "The receiver must have a 30 s timeout and 100 reserved concurrency."
  }
  assert {
    condition     = output.functions.processor.configuration.timeout == 300 && output.functions.processor.configuration.reserved_concurrency == 50
    error_message = "The processor must have a 5 min timeout and 50 reserved concurrency."
  }
  assert {
    condition     = alltrue([for f in output.functions : f.configuration.tracing_mode == "Active"])
    error_message = "X-Ray tracing must be Active on every function."
  }
  assert {
    condition     = alltrue([for f in output.functions : f.configuration.runtime == "provided.al2023" && f.configuration.architectures == tolist(["arm64"])])
    error_message = "Every function runs provided.al2023 on arm64."
  }
  assert {
    condition     = alltrue([for f in output.functions : f.configuration.environment_kms_key == aws_kms_key.this.arn && f.configuration.log_group_kms_key == aws_kms_key.this.arn])
    error_message = "Every function's environment and log group must be encrypted with the key."
  }
}

run "no_wildcard_actions_and_no_wildcard_resources_where_known" {
  command = plan

  assert {
    condition     = alltrue(flatten([for f in output.functions : [for s in f.statements : [for a in s.actions : !strcontains(a, "*")]]]))
    error_message = "An IAM statement has a wildcard action."
  }
  assert {
    # X-Ray's write actions have no resource-level permissions: the only "*".
    condition     = alltrue(flatten([for f in output.functions : [for s in f.statements : s.sid == "Trace" || !contains(s.resources, "*")]]))
    error_message = "An IAM statement has a wildcard resource where the resource is known."
  }
}

# Issue 23, item 5: the internet-facing receiver puts items under the keys
# it writes, webhooks and transmissions' bindings, and no other: never a
# payment's state or a reconciliation checkpoint. It reads the webhook
# keys, never the API credentials.
run "the_receiver_writes_only_webhooks_and_transmissions" {
  command = plan

  assert {
    condition = jsonencode([for s in output.functions.receiver.statements : [s.actions, s.conditions] if anytrue([for a in s.actions : startswith(a, "dynamodb:")])]) == jsonencode([
    [["dynamodb:PutItem"], { "ForAllValues:StringLike" = { "dynamodb:LeadingKeys" = ["WEBHOOK#*", "TRANSMISSION#*"] } }]])
    error_message = "The receiver may only put items whose partition key starts WEBHOOK# or TRANSMISSION#."
  }
  assert {
    condition     = [for s in output.functions.receiver.statements : s.resources if contains(s.actions, "secretsmanager:GetSecretValue")] == [tolist([aws_secretsmanager_secret.providers.arn])]
    error_message = "The receiver reads the webhook keys' secret, and no other."
  }
  assert {
    condition     = output.functions.receiver.configuration.environment.PAYHOOK_SECRETS_ARN == aws_secretsmanager_secret.providers.arn && !contains(keys(output.functions.receiver.configuration.environment), "PAYHOOK_API_SECRETS_ARN")
    error_message = "The receiver is told the webhook keys' secret only."
  }
}

run "everything_is_encrypted_with_the_one_key" {
  command = plan

  assert {
    condition     = aws_kms_key.this.enable_key_rotation
    error_message = "The key must rotate."
  }
  assert {
    condition     = aws_dynamodb_table.this.server_side_encryption[0].kms_key_arn == aws_kms_key.this.arn
    error_message = "The table must be encrypted with the key."
  }
  assert {
    condition     = alltrue([for q in [aws_sqs_queue.processor_dlq, aws_sqs_queue.auditor_dlq] : q.kms_master_key_id == aws_kms_key.this.arn])
    error_message = "The queues must be encrypted with the key."
  }
  assert {
    condition     = aws_sns_topic.alerts.kms_master_key_id == aws_kms_key.this.arn
    error_message = "The alert topic must be encrypted with the key."
  }
  assert {
    condition     = aws_cloudwatch_log_group.api_access.kms_key_id == aws_kms_key.this.arn && aws_secretsmanager_secret.providers.kms_key_id == aws_kms_key.this.arn && aws_secretsmanager_secret.provider_apis.kms_key_id == aws_kms_key.this.arn
    error_message = "The API's access logs and the provider secret must be encrypted with the key."
  }
}

run "table_streams_and_keeps_its_history" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.this.billing_mode == "PAY_PER_REQUEST" && aws_dynamodb_table.this.stream_view_type == "NEW_AND_OLD_IMAGES"
    error_message = "The table is on demand with a NEW_AND_OLD_IMAGES stream."
  }
  assert {
    condition     = aws_dynamodb_table.this.ttl[0].attribute_name == "expires_at" && aws_dynamodb_table.this.point_in_time_recovery[0].enabled
    error_message = "The table needs TTL on expires_at and point-in-time recovery."
  }
  assert {
    condition = toset([for i in aws_dynamodb_table.this.global_secondary_index : "${i.name}:${i.hash_key}:${i.range_key}"]) == toset([
      "by-status:status:received_at", "by-payment:payment_key:received_at",
    ])
    error_message = "Operators list webhooks newest first by status and by payment: two indexes on received_at."
  }
  assert {
    condition = alltrue([for i in aws_dynamodb_table.this.global_secondary_index :
    i.projection_type == "INCLUDE" && length(setintersection(i.non_key_attributes, ["body", "signature_headers", "source_ip"])) == 0])
    error_message = "The indexes hold what a listing shows, never a body, a signature or a sender's address."
  }
  assert {
    condition     = alltrue([for q in [aws_sqs_queue.processor_dlq, aws_sqs_queue.auditor_dlq] : q.message_retention_seconds == 1209600])
    error_message = "Dead letters are kept 14 days."
  }
}

run "the_keys_sit_next_to_the_table" {
  command = plan

  assert {
    condition     = aws_secretsmanager_secret.providers.name == "${aws_dynamodb_table.this.name}/providers" && aws_secretsmanager_secret.provider_apis.name == "${aws_dynamodb_table.this.name}/provider-apis"
    error_message = "payhook smoke looks for the keys in <table>/providers by default."
  }
}

run "stream_mappings_filter_retry_and_dead_letter" {
  command = plan

  assert {
    condition = toset([for f in aws_lambda_event_source_mapping.processor.filter_criteria[0].filter : jsondecode(f.pattern)]) == toset([
      { eventName = ["INSERT"], dynamodb = { NewImage = { sk = { S = ["WEBHOOK"] }, status = { S = ["RECEIVED"] } } } },
      { eventName = ["MODIFY"], dynamodb = { NewImage = { sk = { S = ["WEBHOOK"] }, status = { S = ["RETRY"] } } } },
    ])
    error_message = "The processor must get exactly new webhooks and redriven ones."
  }
  assert {
    condition     = length(aws_lambda_event_source_mapping.auditor.filter_criteria) == 0
    error_message = "The auditor must see every change."
  }
  assert {
    condition     = aws_lambda_event_source_mapping.processor.destination_config[0].on_failure[0].destination_arn == aws_sqs_queue.processor_dlq.arn && aws_lambda_event_source_mapping.auditor.destination_config[0].on_failure[0].destination_arn == aws_sqs_queue.auditor_dlq.arn
    error_message = "Each mapping sends what it gives up on to its dead-letter queue."
  }
  assert {
    condition = alltrue([for m in [aws_lambda_event_source_mapping.processor, aws_lambda_event_source_mapping.auditor] :
    contains(m.function_response_types, "ReportBatchItemFailures") && m.bisect_batch_on_function_error && m.maximum_retry_attempts == 10])
    error_message = "Mappings report batch item failures, bisect on error, and retry a bounded number of times."
  }
}

run "edge_limits" {
  command = plan
  variables {
    provider_source_cidrs = { example = ["192.0.2.0/24"] }
  }

  assert {
    condition     = aws_api_gateway_method_settings.all.settings[0].throttling_rate_limit == 1000
    error_message = "API Gateway throttles at 1000 requests per second."
  }
  assert {
    condition     = aws_api_gateway_stage.this.xray_tracing_enabled
    error_message = "The API stage is traced."
  }
  assert {
    condition     = [for r in aws_wafv2_web_acl.this.rule : r.statement[0].rate_based_statement[0].limit if r.name == "per-ip-rate"][0] == 600
    error_message = "WAF allows 600 requests per source IP..."
  }
  assert {
    condition     = [for r in aws_wafv2_web_acl.this.rule : r.statement[0].rate_based_statement[0].evaluation_window_sec if r.name == "per-ip-rate"][0] == 60
    error_message = "...per 60 s window: 10 per second."
  }
  assert {
    condition     = aws_wafv2_ip_set.providers.addresses == toset(["192.0.2.0/24"])
    error_message = "Providers' source ranges get their own limit."
  }
}

# Item 2: Lambda encrypts environment variables with the permissions of the
# principal configuring the function, and creates a grant for itself.
run "functions_environments_can_be_encrypted_with_the_key" {
  command = plan

  assert {
    condition = anytrue([for s in jsondecode(aws_kms_key.this.policy).Statement :
      contains(s.Action, "kms:Encrypt") && contains(s.Action, "kms:Decrypt") && try(s.Condition.StringEquals["kms:ViaService"], "") == "lambda.ap-southeast-1.amazonaws.com"
    ])
    error_message = "The key policy must let function configurers encrypt and decrypt through Lambda."
  }
  assert {
    condition = anytrue([for s in jsondecode(aws_kms_key.this.policy).Statement :
      s.Action == ["kms:CreateGrant"] && try(s.Condition.StringEquals["kms:ViaService"], "") == "lambda.ap-southeast-1.amazonaws.com" && try(s.Condition.Bool["kms:GrantIsForAWSResource"], "") == "true"
    ])
    error_message = "The key policy must let Lambda create its grant, for AWS resources only."
  }
}

# Item 3: 161 reserved executions need a quota far above a new account's.
run "reservations_stop_the_plan_when_the_quota_is_too_small" {
  command = plan
  override_data {
    target = data.aws_servicequotas_service_quota.lambda_concurrency
    values = { value = 260 }
  }
  expect_failures = [data.aws_servicequotas_service_quota.lambda_concurrency]
}

run "reservations_fit_a_large_enough_quota" {
  command = plan
  override_data {
    target = data.aws_servicequotas_service_quota.lambda_concurrency
    values = { value = 261 }
  }

  assert {
    condition     = output.protection.reserved_concurrency == 161
    error_message = "The four functions reserve 161 together: receiver 100, processor 50, auditor 10, reconciler 1."
  }
}

# Issue 23, item 6: the quota is the account's, and every environment in
# it reserves from it. staging's 161, as it published them, and this
# environment's 161 need 422; a quota of 400 fits either alone, not both.
run "the_quota_counts_every_environment_in_the_account" {
  command = plan
  override_data {
    target = data.aws_servicequotas_service_quota.lambda_concurrency
    values = { value = 400 }
  }
  override_data {
    target = data.aws_ssm_parameters_by_path.reserved_concurrency
    values = { names = ["/payhook/reserved-concurrency/staging", "/payhook/reserved-concurrency/test"], values = ["161", "9999"] }
  }
  expect_failures = [data.aws_servicequotas_service_quota.lambda_concurrency]
}

# ...counting this environment once: what it would now reserve, not what it
# published before.
run "an_environments_own_published_reservation_is_not_counted_twice" {
  command = plan
  override_data {
    target = data.aws_servicequotas_service_quota.lambda_concurrency
    values = { value = 422 }
  }
  override_data {
    target = data.aws_ssm_parameters_by_path.reserved_concurrency
    values = { names = ["/payhook/reserved-concurrency/staging", "/payhook/reserved-concurrency/test"], values = ["161", "9999"] }
  }

  assert {
    condition     = output.protection.reserved_in_account == 322 && aws_ssm_parameter.reserved_concurrency.value == "161" && aws_ssm_parameter.reserved_concurrency.name == "/payhook/reserved-concurrency/test"
    error_message = "This environment reserves 161, staging 161: 322 in the account; it publishes its 161 for the others' plans."
  }
}

run "an_environment_can_do_without_reservations" {
  command = plan
  variables {
    reserve_concurrency = false
  }

  assert {
    condition     = alltrue([for f in output.functions : f.configuration.reserved_concurrency == -1]) && length(data.aws_servicequotas_service_quota.lambda_concurrency) == 0
    error_message = "Without reservations every function runs on the unreserved pool, and the quota is not read."
  }
  assert {
    condition     = aws_ssm_parameter.reserved_concurrency.value == "0"
    error_message = "An environment without reservations publishes that it reserves none."
  }
}

# Issue 23, item 2: the functions run as the administrator's roles, whose
# policies the module writes; it creates no role.
run "functions_run_as_the_administrators_roles" {
  command = plan

  assert {
    condition     = alltrue([for name, f in output.functions : f.role == "payhook-test-${name}"])
    error_message = "Every function runs as its role from function_roles."
  }
  assert {
    condition     = aws_iam_role_policy.reconcile_schedule[0].role == "payhook-test-reconciler-schedule" && aws_scheduler_schedule.reconcile[0].target[0].role_arn == "arn:aws:iam::111122223333:role/payhook/test/payhook-test-reconciler-schedule"
    error_message = "The schedule invokes with schedule_role, whose policy the module writes."
  }
}

# Item 11: the providers' published addresses are the default exemption.
run "providers_published_addresses_are_the_default_exemption" {
  command = plan

  assert {
    condition     = alltrue([for p in ["stripe", "square", "paypal", "paddle"] : length(var.provider_source_cidrs[p]) > 0])
    error_message = "Stripe, Square, PayPal and Paddle each need their published addresses by default."
  }
  assert {
    condition     = contains(aws_wafv2_ip_set.providers.addresses, "3.18.12.63/32") && contains(aws_wafv2_ip_set.providers.addresses, "54.245.1.154/32") && contains(aws_wafv2_ip_set.providers.addresses, "173.0.80.0/20")
    error_message = "The WAF exemption must hold every provider's addresses."
  }
  assert {
    condition     = length(aws_wafv2_ip_set.providers.addresses) == length(flatten(values(var.provider_source_cidrs)))
    error_message = "Every default address must reach the IP set."
  }
}

run "a_bad_address_is_refused" {
  command = plan
  variables {
    provider_source_cidrs = { stripe = ["3.18.12.63"] }
  }
  expect_failures = [var.provider_source_cidrs]
}

run "waf_blocks_and_api_4xx_raise_alarms" {
  command = plan

  assert {
    condition     = aws_cloudwatch_metric_alarm.waf_blocked.namespace == "AWS/WAFV2" && aws_cloudwatch_metric_alarm.waf_blocked.metric_name == "BlockedRequests" && aws_cloudwatch_metric_alarm.waf_blocked.dimensions.WebACL == aws_wafv2_web_acl.this.name
    error_message = "Blocked requests on the web ACL must raise an alarm."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.api_4xx.metric_name == "4XXError" && aws_cloudwatch_metric_alarm.api_4xx.alarm_actions == toset([aws_sns_topic.alerts.arn])
    error_message = "API 4XX responses must raise an alarm to the alert topic."
  }
}

# The "also" list: KMS on the bus, tracing on the topic, no destroying.
run "the_event_bus_is_encrypted_with_the_key" {
  command = plan
  variables {
    event_bus_enabled = true
  }

  assert {
    condition     = aws_cloudwatch_event_bus.events[0].kms_key_identifier == aws_kms_key.this.arn
    error_message = "The event bus must be encrypted with the key."
  }
  assert {
    condition = anytrue([for s in jsondecode(aws_kms_key.this.policy).Statement :
    try(s.Principal.Service, "") == "events.amazonaws.com" && contains(s.Action, "kms:GenerateDataKey") && try(s.Condition.StringEquals["aws:SourceArn"], "") == "arn:aws:events:ap-southeast-1:111122223333:event-bus/payhook-test-events"])
    error_message = "The key policy must let EventBridge use the key for this bus only."
  }
}

# Issue 23, item 2: the account root's rule routes IAM Access Analyzer's
# findings to the topic (payhook-account's findings rule, whose ARN its
# tests hold to the same value); the environment's alarms and the account
# root's publish; nothing else from outside IAM.
run "the_alert_topic_admits_the_access_findings_and_the_alarms" {
  command = plan

  assert {
    condition = [for s in jsondecode(aws_sns_topic_policy.alerts.policy).Statement : s.Condition if s.Sid == "AccessAnalyzerFindingsArrive"] == [
    { ArnEquals = { "aws:SourceArn" = "arn:aws:events:ap-southeast-1:111122223333:rule/payhook-access-analyzer-findings" } }]
    error_message = "The topic admits the account root's findings rule, and no other rule."
  }
  assert {
    condition = [for s in jsondecode(aws_sns_topic_policy.alerts.policy).Statement : s.Condition if s.Sid == "AlarmsPublish"] == [{
      StringEquals = { "aws:SourceAccount" = "111122223333" }
      ArnLike      = { "aws:SourceArn" = ["arn:aws:cloudwatch:ap-southeast-1:111122223333:alarm:payhook-test-*", "arn:aws:cloudwatch:ap-southeast-1:111122223333:alarm:payhook-account-*"] }
    }]
    error_message = "The topic admits this environment's alarms and the account root's, no other environment's."
  }
  assert {
    condition     = toset([for s in jsondecode(aws_sns_topic_policy.alerts.policy).Statement : jsonencode(s.Principal)]) == toset([jsonencode({ AWS = "arn:aws:iam::111122223333:root" }), jsonencode({ Service = "cloudwatch.amazonaws.com" }), jsonencode({ Service = "events.amazonaws.com" })])
    error_message = "Only the account, CloudWatch and EventBridge are named."
  }
  assert {
    condition = [for s in jsondecode(aws_kms_key.this.policy).Statement : s.Condition if s.Sid == "EventBridgePublishesToTheEncryptedTopic"] == [
    { StringEquals = { "kms:EncryptionContext:aws:sns:topicArn" = "arn:aws:sns:ap-southeast-1:111122223333:payhook-test-alerts" } }]
    error_message = "EventBridge may use the key for the alert topic only."
  }
}

run "the_alert_topic_is_traced" {
  command = plan

  assert {
    condition     = aws_sns_topic.alerts.tracing_config == "Active"
    error_message = "The alert topic must have active tracing."
  }
  assert {
    condition     = jsondecode(aws_xray_resource_policy.alerts_tracing.policy_document).Statement[0].Principal.Service == "sns.amazonaws.com"
    error_message = "X-Ray must accept the topic's segments."
  }
}

# A genuine delivery refused for good is never retried by the provider.
run "a_verified_delivery_that_cannot_be_stored_raises_an_alarm" {
  command = plan

  assert {
    condition     = aws_cloudwatch_log_metric_filter.unstorable.pattern == "{ $.outcome = \"unstorable\" }" && aws_cloudwatch_metric_alarm.unstorable.threshold == 0 && aws_cloudwatch_metric_alarm.unstorable.alarm_actions == toset([aws_sns_topic.alerts.arn])
    error_message = "Any unstorable delivery must raise an alarm to the alert topic."
  }
}

# Forgeries raise their alarm; genuine but stale signatures (Paddle's
# retries after an outage) are counted apart, with their own alarm.
run "stale_signatures_are_not_counted_as_forgeries" {
  command = plan

  assert {
    condition     = aws_cloudwatch_log_metric_filter.rejected_signatures.pattern == "{ $.outcome = \"invalid_signature\" }"
    error_message = "The forgery alarm must count signatures that do not verify, and nothing else."
  }
  assert {
    condition     = aws_cloudwatch_log_metric_filter.stale_signatures.pattern == "{ $.outcome = \"timestamp_out_of_tolerance\" }" && aws_cloudwatch_metric_alarm.stale_signatures.metric_name == "StaleSignatures"
    error_message = "Stale signatures must be counted by their own filter and alarm."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.stale_signatures.threshold == 100 && aws_cloudwatch_metric_alarm.stale_signatures.period == 900 && aws_cloudwatch_metric_alarm.rejected_signatures.threshold == 20 && aws_cloudwatch_metric_alarm.rejected_signatures.period == 300
    error_message = "The stale-signatures alarm must be less sensitive than the forgery alarm."
  }
}

# The receiver and processor write their metrics to their logs (Embedded
# Metric Format) in the namespace the log metric filters use, and the
# dashboard draws them.
run "the_functions_metrics_share_the_environments_namespace_and_dashboard" {
  command = plan

  assert {
    condition = (output.functions.receiver.configuration.environment.PAYHOOK_METRICS_NAMESPACE == "payhook/test" &&
    output.functions.processor.configuration.environment.PAYHOOK_METRICS_NAMESPACE == "payhook/test")
    error_message = "The receiver and the processor must write their metrics to payhook/<environment>."
  }
  assert {
    # SEARCH's quotes are escaped in the body.
    condition     = alltrue([for m in ["MetricName=\\\"Deliveries\\\"", "\"ReceiverDuration\"", "MetricName=\\\"Processed\\\"", "\"Failed\""] : strcontains(aws_cloudwatch_dashboard.this.dashboard_body, m)])
    error_message = "The dashboard must draw deliveries, the receiver's answer time, and processed and failed webhooks."
  }
}

# The processor's critical types are written once, in Go.
run "critical_event_types_default_to_the_processors_own" {
  command = plan

  assert {
    condition     = !contains(keys(output.functions.processor.configuration.environment), "PAYHOOK_CRITICAL_EVENT_TYPES")
    error_message = "With no critical_event_types the processor must keep its built-in default."
  }
}

run "critical_event_types_can_be_chosen" {
  command = plan
  variables {
    critical_event_types = ["dispute.opened"]
  }

  assert {
    condition     = output.functions.processor.configuration.environment.PAYHOOK_CRITICAL_EVENT_TYPES == "dispute.opened"
    error_message = "Chosen critical types must reach the processor."
  }
}

# providers.tf.json is written from the Go registry (tools/providerdocs).
run "every_registered_provider_has_a_route_and_its_keys_a_field" {
  command = plan

  assert {
    condition     = toset(keys(output.webhook_urls)) == toset(jsondecode(file("providers.tf.json")).locals.providers)
    error_message = "Every provider in the registry must get a webhook URL."
  }
  assert {
    condition     = alltrue([for s in jsondecode(file("providers.tf.json")).locals.provider_signing_settings : strcontains(aws_secretsmanager_secret.providers.description, s) && !strcontains(aws_secretsmanager_secret.provider_apis.description, s)])
    error_message = "The webhook keys' secret's description must name every webhook key setting, and the API secret's none."
  }
  assert {
    condition     = alltrue([for s in jsondecode(file("providers.tf.json")).locals.provider_api_settings : strcontains(aws_secretsmanager_secret.provider_apis.description, s) && !strcontains(aws_secretsmanager_secret.providers.description, s)])
    error_message = "The API credentials' secret's description must name every API setting, and the webhook keys' none."
  }
}

# Reconciliation (issue 15): the reconciler runs on a schedule, alone, with
# exactly what it needs; the processor reads the keys to confirm PayPal's
# deliveries.
run "the_reconciler_runs_alone_with_its_settings" {
  command = plan

  assert {
    condition     = output.functions.reconciler.configuration.timeout == 300 && output.functions.reconciler.configuration.memory_size == 256
    error_message = "The reconciler has a 5 min timeout and 256 MB."
  }
  assert {
    condition     = output.functions.reconciler.configuration.reserved_concurrency == 1
    error_message = "The reconciler reserves exactly 1: a run must never overlap another."
  }
  assert {
    condition = output.functions.reconciler.configuration.environment == tomap({
      PAYHOOK_TABLE_NAME       = "payhook-test"
      PAYHOOK_API_SECRETS_ARN  = aws_secretsmanager_secret.provider_apis.arn
      PAYHOOK_ALERT_TOPIC_ARN  = aws_sns_topic.alerts.arn
      PAYHOOK_PAYPAL_SANDBOX   = "false"
      PAYHOOK_RECONCILE_WINDOW = "72h"
    })
    error_message = "The reconciler gets the table, the API credentials' secret, the alert topic, PayPal's sandbox setting and a 72h window."
  }
  assert {
    condition     = output.functions.reconciler.configuration.role == "payhook-test-reconciler" && output.functions.reconciler.configuration.environment_kms_key == aws_kms_key.this.arn
    error_message = "The reconciler runs as its role, and its environment is encrypted with the key."
  }
  assert {
    condition     = contains([for s in jsondecode(aws_kms_key.this.policy).Statement : s.Principal.AWS if s.Sid == "FunctionsUseTheKey"][0], "arn:aws:iam::111122223333:role/payhook/test/payhook-test-reconciler")
    error_message = "The key policy must let the reconciler's role use the key."
  }
}

run "the_reconcilers_policy_has_exactly_the_listed_actions" {
  command = plan

  assert {
    # Beyond what lambda-function gives every function: its own logs,
    # X-Ray, and decrypting its environment.
    condition = toset(flatten([for s in output.functions.reconciler.statements : s.actions if !contains(["WriteOwnLogs", "Trace", "DecryptEnvironment"], s.sid)])) == toset([
      "dynamodb:PutItem", "dynamodb:GetItem", "secretsmanager:GetSecretValue", "kms:GenerateDataKey", "kms:Decrypt", "sns:Publish",
    ])
    error_message = "The reconciler may put and get items, read the provider secret, use the key and publish alerts; nothing else."
  }
  assert {
    # Its items only: never a payment's state (PAYMENT#) nor a binding
    # (TRANSMISSION#), whatever its code is made to do.
    condition     = alltrue([for s in output.functions.reconciler.statements : jsonencode(try(s.conditions["ForAllValues:StringLike"]["dynamodb:LeadingKeys"], [])) == jsonencode(["WEBHOOK#*", "RECONCILE#*"]) if startswith(s.actions[0], "dynamodb:")])
    error_message = "The reconciler's table access is held to WEBHOOK# and RECONCILE# items."
  }
  assert {
    condition = alltrue([for s in output.functions.reconciler.statements : s.resources == (
      startswith(s.actions[0], "dynamodb:") ? [aws_dynamodb_table.this.arn] :
      startswith(s.actions[0], "secretsmanager:") ? [aws_secretsmanager_secret.provider_apis.arn] :
      startswith(s.actions[0], "kms:") ? [aws_kms_key.this.arn] :
      startswith(s.actions[0], "sns:") ? [aws_sns_topic.alerts.arn] :
      s.resources
    )])
    error_message = "Each of the reconciler's statements names the one table, secret, key or topic."
  }
  assert {
    condition     = !anytrue([for s in output.functions.reconciler.statements : contains(s.actions, "dynamodb:DeleteItem") || contains(s.actions, "dynamodb:Scan") || contains(s.actions, "dynamodb:Query")])
    error_message = "The reconciler never deletes, scans or queries."
  }
}

run "the_schedule_runs_the_reconciler_every_15_minutes" {
  command = plan

  assert {
    condition     = aws_scheduler_schedule.reconcile[0].schedule_expression == "rate(15 minutes)" && aws_scheduler_schedule.reconcile[0].state == "ENABLED"
    error_message = "The reconciler runs every 15 minutes by default."
  }
  assert {
    condition     = aws_scheduler_schedule.reconcile[0].flexible_time_window[0].mode == "OFF"
    error_message = "The schedule has no flexible time window."
  }
  assert {
    condition     = aws_scheduler_schedule.reconcile[0].target[0].arn == "arn:aws:lambda:ap-southeast-1:111122223333:function:payhook-test-reconciler" && jsondecode(aws_scheduler_schedule.reconcile[0].target[0].input) == {}
    error_message = "The schedule invokes the reconciler with {}."
  }
  assert {
    condition     = aws_scheduler_schedule.reconcile[0].target[0].role_arn == "arn:aws:iam::111122223333:role/payhook/test/payhook-test-reconciler-schedule"
    error_message = "The schedule invokes with its own role."
  }
  assert {
    condition     = aws_scheduler_schedule.reconcile[0].target[0].retry_policy[0].maximum_retry_attempts > 0 && aws_scheduler_schedule.reconcile[0].target[0].dead_letter_config[0].arn == aws_sqs_queue.reconcile_schedule_dlq[0].arn
    error_message = "The schedule retries, then gives up to its dead-letter queue."
  }
  assert {
    condition     = aws_sqs_queue.reconcile_schedule_dlq[0].kms_master_key_id == aws_kms_key.this.arn && aws_sqs_queue.reconcile_schedule_dlq[0].message_retention_seconds == 1209600
    error_message = "The schedule's dead-letter queue is encrypted with the key and keeps messages 14 days."
  }
  assert {
    condition     = output.reconciliation.function_name == "payhook-test-reconciler" && output.reconciliation.schedule_name == "payhook-test-reconciler"
    error_message = "The outputs name the reconciler and its schedule."
  }
}

run "the_schedules_role_may_only_invoke_the_reconciler" {
  command = plan

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.reconcile_schedule[0].policy).Statement : s if contains(s.Action, "lambda:InvokeFunction")] == [
      { Sid = "InvokeTheReconciler", Effect = "Allow", Action = ["lambda:InvokeFunction"], Resource = ["arn:aws:lambda:ap-southeast-1:111122223333:function:payhook-test-reconciler"] },
    ]
    error_message = "The schedule's role may invoke the reconciler and no other function."
  }
  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.reconcile_schedule[0].policy).Statement : [for a in s.Action : "${a} ${join(",", s.Resource)}"]])) == toset([
      "lambda:InvokeFunction arn:aws:lambda:ap-southeast-1:111122223333:function:payhook-test-reconciler",
      "sqs:SendMessage arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-reconciler-schedule-dlq",
      "kms:GenerateDataKey arn:aws:kms:ap-southeast-1:111122223333:key/test",
      "kms:Decrypt arn:aws:kms:ap-southeast-1:111122223333:key/test",
    ])
    error_message = "The schedule's role may invoke the reconciler and send to its own dead-letter queue (through the key); nothing else."
  }
  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.reconcile_schedule[0].policy).Statement : s.Effect == "Allow" && !contains(s.Resource, "*")])
    error_message = "The schedule's role names every resource."
  }
}

run "the_reconcilers_failures_raise_alarms" {
  command = plan

  assert {
    condition     = aws_cloudwatch_metric_alarm.function_errors["reconciler"].dimensions.FunctionName == "payhook-test-reconciler" && aws_cloudwatch_metric_alarm.function_throttles["reconciler"].dimensions.FunctionName == "payhook-test-reconciler"
    error_message = "The reconciler's errors and throttles raise alarms."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.reconcile_schedule_dlq[0].dimensions.QueueName == "payhook-test-reconciler-schedule-dlq" && aws_cloudwatch_metric_alarm.reconcile_schedule_dlq[0].threshold == 0 && aws_cloudwatch_metric_alarm.reconcile_schedule_dlq[0].alarm_actions == toset([aws_sns_topic.alerts.arn])
    error_message = "A run the schedule could not start raises an alarm to the alert topic."
  }
  assert {
    condition     = !contains(keys(output.dlq_urls), "reconciler") && length(output.dlq_urls) == 2
    error_message = "The schedule's dead-letter queue holds no webhooks: it is not one to redrive."
  }
}

run "the_reconciliation_schedule_and_window_can_be_chosen" {
  command = plan
  variables {
    reconcile_schedule = "rate(30 minutes)"
    reconcile_window   = "24h"
  }

  assert {
    condition     = aws_scheduler_schedule.reconcile[0].schedule_expression == "rate(30 minutes)" && output.functions.reconciler.configuration.environment.PAYHOOK_RECONCILE_WINDOW == "24h"
    error_message = "reconcile_schedule and reconcile_window must reach the schedule and the reconciler."
  }
}

run "a_window_outside_15m_to_720h_is_refused" {
  command = plan
  variables {
    reconcile_window = "721h"
  }
  expect_failures = [var.reconcile_window]
}

run "a_schedule_that_is_no_expression_is_refused" {
  command = plan
  variables {
    reconcile_schedule = "every 15 minutes"
  }
  expect_failures = [var.reconcile_schedule]
}

run "the_reconciler_reserves_exactly_one" {
  command = plan
  variables {
    reconciler = { timeout = 300, reserved_concurrency = 2, memory_size = 256 }
  }
  expect_failures = [var.reconciler]
}

run "disabling_reconciliation_removes_the_function_and_the_schedule" {
  command = plan
  variables {
    reconcile_enabled = false
  }

  assert {
    condition     = length(module.reconciler) == 0 && length(aws_scheduler_schedule.reconcile) == 0
    error_message = "Without reconciliation there is no reconciler and no schedule."
  }
  assert {
    condition     = length(aws_iam_role_policy.reconcile_schedule) == 0 && length(aws_sqs_queue.reconcile_schedule_dlq) == 0 && length(aws_cloudwatch_metric_alarm.reconcile_schedule_dlq) == 0
    error_message = "Without reconciliation the schedule role's policy, the dead-letter queue and the alarm go too."
  }
  assert {
    condition     = !contains(keys(output.functions), "reconciler") && !contains(keys(aws_cloudwatch_metric_alarm.function_errors), "reconciler") && output.reconciliation == null
    error_message = "Without reconciliation no function, alarm or output names the reconciler."
  }
  assert {
    condition     = output.protection.reserved_concurrency == 160 && length([for s in jsondecode(aws_kms_key.this.policy).Statement : s.Principal.AWS if s.Sid == "FunctionsUseTheKey"][0]) == 3
    error_message = "Without reconciliation the three functions reserve 160 and the key names their three roles."
  }
}

# Issue 26: Paddle and GoCardless are reconciled too, on the same schedule
# and with the same role: their credentials are fields of the same secret,
# the API credentials' (issue 23, item 5).
run "the_schedule_and_its_reconciler_cover_every_provider_with_an_event_api" {
  command = plan

  assert {
    condition     = jsonencode(output.reconciliation.providers) == jsonencode(["stripe", "paypal", "square", "paddle", "gocardless"])
    error_message = "The reconciler covers Stripe, PayPal, Square, Paddle and GoCardless, as the registry says."
  }
  assert {
    condition     = aws_scheduler_schedule.reconcile[0].description == "Runs payhook-test's reconciler: missed webhooks, from the event APIs of stripe, paypal, square, paddle, gocardless"
    error_message = "The schedule says which providers it reconciles."
  }
  assert {
    condition = alltrue([for s in ["PAYHOOK_PADDLE_API_KEY", "PAYHOOK_PADDLE_API_URL", "PAYHOOK_PADDLE_SANDBOX", "PAYHOOK_GOCARDLESS_ACCESS_TOKEN", "PAYHOOK_GOCARDLESS_API_URL", "PAYHOOK_GOCARDLESS_SANDBOX"] :
    strcontains(aws_secretsmanager_secret.provider_apis.description, s) && !strcontains(aws_secretsmanager_secret.providers.description, s)])
    error_message = "Paddle's and GoCardless's API settings are fields of the API credentials' secret the reconciler reads, not of the webhook keys'."
  }
  assert {
    condition = [for s in output.functions.reconciler.statements : s.resources if contains(s.actions, "secretsmanager:GetSecretValue")] == [
      tolist([aws_secretsmanager_secret.provider_apis.arn]),
    ]
    error_message = "The reconciler reads that one secret, for every provider's credentials."
  }
  assert {
    # Each provider in a run gets its share of the time: five at most.
    condition     = output.functions.reconciler.configuration.timeout / length(output.reconciliation.providers) >= 60
    error_message = "Every reconciled provider gets at least a minute of a run."
  }
}

# Issue 23, item 5: the processor reads the API credentials to confirm
# PayPal's deliveries and read GoCardless's amounts, never the webhook keys.
run "the_processor_reads_the_api_credentials_to_confirm_paypal" {
  command = plan

  assert {
    condition = [for s in output.functions.processor.statements : [s.actions, s.resources] if contains(s.actions, "secretsmanager:GetSecretValue")] == [
      [tolist(["secretsmanager:GetSecretValue"]), tolist([aws_secretsmanager_secret.provider_apis.arn])],
    ]
    error_message = "The processor may read the API credentials' secret, and only it."
  }
  assert {
    condition = (output.functions.processor.configuration.environment.PAYHOOK_API_SECRETS_ARN == aws_secretsmanager_secret.provider_apis.arn &&
      !contains(keys(output.functions.processor.configuration.environment), "PAYHOOK_SECRETS_ARN") &&
      output.functions.processor.configuration.environment.PAYHOOK_PAYPAL_SANDBOX == "false" &&
      output.functions.processor.configuration.environment.PAYHOOK_PAYPAL_CONFIRM == "true" &&
      output.functions.processor.configuration.environment.PAYHOOK_CHECKOUT_CONFIRM == "true" &&
    output.functions.processor.configuration.environment.PAYHOOK_GOCARDLESS_AMOUNTS == "true")
    error_message = "The processor gets the API credentials' secret, PayPal's sandbox setting, and PayPal's and Checkout.com's confirmation and GoCardless's amounts on."
  }
}

run "checkout_confirm_alone_still_reads_the_keys" {
  command = plan
  variables {
    paypal_confirm     = false
    gocardless_amounts = false
  }

  assert {
    condition = (output.functions.processor.configuration.environment.PAYHOOK_CHECKOUT_CONFIRM == "true" &&
    output.functions.processor.configuration.environment.PAYHOOK_API_SECRETS_ARN == aws_secretsmanager_secret.provider_apis.arn)
    error_message = "With Checkout.com's confirmation on, the processor gets the API credentials' secret to confirm its deliveries."
  }
  assert {
    condition     = anytrue([for s in output.functions.processor.statements : contains(s.actions, "secretsmanager:GetSecretValue")])
    error_message = "With checkout_confirm on, the processor may read the secret."
  }
  assert {
    condition = alltrue([for s in ["PAYHOOK_CHECKOUT_ACCESS_KEY_ID", "PAYHOOK_CHECKOUT_ACCESS_KEY_SECRET", "PAYHOOK_CHECKOUT_API_URL", "PAYHOOK_CHECKOUT_SANDBOX"] :
    strcontains(aws_secretsmanager_secret.provider_apis.description, s)])
    error_message = "Checkout.com's access key and API settings are fields of the API credentials' secret the processor reads."
  }
  assert {
    # Checkout.com's API looks an event up by id and lists none: it is
    # confirmed, never reconciled.
    condition     = !contains(output.reconciliation.providers, "checkout") && !strcontains(aws_scheduler_schedule.reconcile[0].description, "checkout")
    error_message = "The reconciler's schedule leaves out Checkout.com, whose API lists no events."
  }
}

run "gocardless_amounts_alone_still_read_the_keys" {
  command = plan
  variables {
    paypal_confirm   = false
    checkout_confirm = false
  }

  assert {
    condition = (output.functions.processor.configuration.environment.PAYHOOK_PAYPAL_CONFIRM == "false" &&
      output.functions.processor.configuration.environment.PAYHOOK_GOCARDLESS_AMOUNTS == "true" &&
      output.functions.processor.configuration.environment.PAYHOOK_API_SECRETS_ARN == aws_secretsmanager_secret.provider_apis.arn &&
    !contains(keys(output.functions.processor.configuration.environment), "PAYHOOK_SECRETS_ARN"))
    error_message = "With PayPal's confirmation off, the processor still gets the API credentials' secret to read GoCardless's amounts, and never the webhook keys'."
  }
  assert {
    condition     = anytrue([for s in output.functions.processor.statements : contains(s.actions, "secretsmanager:GetSecretValue")])
    error_message = "With gocardless_amounts on, the processor may read the secret."
  }
}

run "without_confirmation_or_amounts_the_processor_does_not_read_the_keys" {
  command = plan
  variables {
    paypal_confirm     = false
    checkout_confirm   = false
    gocardless_amounts = false
  }

  assert {
    condition = (output.functions.processor.configuration.environment.PAYHOOK_PAYPAL_CONFIRM == "false" &&
      output.functions.processor.configuration.environment.PAYHOOK_CHECKOUT_CONFIRM == "false" &&
      output.functions.processor.configuration.environment.PAYHOOK_GOCARDLESS_AMOUNTS == "false" &&
    !contains(keys(output.functions.processor.configuration.environment), "PAYHOOK_API_SECRETS_ARN"))
    error_message = "With paypal_confirm, checkout_confirm and gocardless_amounts false the processor asks no API and is not given the secret."
  }
  assert {
    condition     = !anytrue([for s in output.functions.processor.statements : contains(s.actions, "secretsmanager:GetSecretValue")])
    error_message = "With paypal_confirm, checkout_confirm and gocardless_amounts false the processor may not read the secret."
  }
}

run "stream_mappings_read_100_records_a_batch_one_batch_a_shard_by_default" {
  command = plan

  assert {
    condition = alltrue([for m in [aws_lambda_event_source_mapping.processor, aws_lambda_event_source_mapping.auditor] :
    m.batch_size == 100 && m.parallelization_factor == 1 && m.maximum_batching_window_in_seconds == 1])
    error_message = "By default each mapping reads batches of up to 100 records, waits up to 1 s for them, one batch at a time per shard."
  }
  assert {
    condition     = length(aws_dynamodb_table.this.warm_throughput) == 0
    error_message = "By default the table's warm throughput is DynamoDB's own."
  }
}

run "stream_reading_and_warm_throughput_can_be_raised" {
  command = plan

  variables {
    processor_stream      = { batch_size = 50, parallelization_factor = 4, batching_window_seconds = 0 }
    auditor_stream        = { batch_size = 500, parallelization_factor = 2, batching_window_seconds = 2 }
    table_warm_throughput = { read_units_per_second = 30000, write_units_per_second = 90000 }
  }

  assert {
    condition = (aws_lambda_event_source_mapping.processor.batch_size == 50 && aws_lambda_event_source_mapping.processor.parallelization_factor == 4 &&
    aws_lambda_event_source_mapping.processor.maximum_batching_window_in_seconds == 0)
    error_message = "The processor's mapping takes processor_stream."
  }
  assert {
    condition = (aws_lambda_event_source_mapping.auditor.batch_size == 500 && aws_lambda_event_source_mapping.auditor.parallelization_factor == 2 &&
    aws_lambda_event_source_mapping.auditor.maximum_batching_window_in_seconds == 2)
    error_message = "The auditor's mapping takes auditor_stream."
  }
  assert {
    condition     = aws_dynamodb_table.this.warm_throughput[0].read_units_per_second == 30000 && aws_dynamodb_table.this.warm_throughput[0].write_units_per_second == 90000
    error_message = "The table takes table_warm_throughput."
  }
}

run "a_parallelization_factor_over_10_is_refused" {
  command = plan

  variables {
    processor_stream = { batch_size = 100, parallelization_factor = 11, batching_window_seconds = 1 }
  }

  expect_failures = [var.processor_stream]
}

run "warm_throughput_below_a_new_tables_is_refused" {
  command = plan

  variables {
    table_warm_throughput = { read_units_per_second = 12000, write_units_per_second = 1000 }
  }

  expect_failures = [var.table_warm_throughput]
}
