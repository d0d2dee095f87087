# Plan-time checks of the numbers and protections DESIGN.md asks for. The
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
  environment_suffix    = "test"
  lambda_zip_dir        = "./not-built"
  provider_source_cidrs = ["192.0.2.0/24"]
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
  assert {
    condition     = [for s in output.functions.receiver.statements : s.actions if s.sid == "StoreWebhooks"][0] == tolist(["dynamodb:PutItem"])
    error_message = "The receiver may only put items."
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
    condition     = aws_cloudwatch_log_group.api_access.kms_key_id == aws_kms_key.this.arn && aws_secretsmanager_secret.providers.kms_key_id == aws_kms_key.this.arn
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
    condition     = alltrue([for q in [aws_sqs_queue.processor_dlq, aws_sqs_queue.auditor_dlq] : q.message_retention_seconds == 1209600])
    error_message = "Dead letters are kept 14 days."
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
