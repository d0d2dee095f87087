# Issue 23, item 1: AWS refuses a policy over its limit; mocks accept
# anything. Every document this module writes is measured at the longest
# names the variables allow (16-character prefix and environment), with
# every optional part on (reconciliation, PayPal confirmations, the bus and
# five event destinations with the longest names EventBridge's rule names
# allow; each adds about 330 characters to the forwarder's policy, and
# Lambda's 4 KB of environment, which the forwarder's list of destinations
# fills first, holds it far below IAM's limit):
# - each function role's one inline policy (lambda-function) and the
#   schedule role's: IAM's 10,240 characters per role, whitespace removed;
# - the key policy: KMS's 32,768 bytes;
# - the alert topic's policy: SNS's 30 KB.
# The roles' trust policies and the boundary are github-oidc's, measured
# there (tests/sizes.tftest.hcl).

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
  }
  mock_data "aws_region" {
    defaults = { region = "ap-southeast-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws-us-gov" }
  }
  mock_data "aws_servicequotas_service_quota" {
    defaults = { value = 10000 }
  }
}

# ARNs as long as AWS makes them for these names. The mock gives every
# instance of a block the same values: each destination's queue and secret
# get the longest destination's.
override_resource {
  target = aws_kms_key.this
  values = { arn = "arn:aws-us-gov:kms:ap-southeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", key_id = "1234abcd-12ab-34cd-56ef-1234567890ab" }
}
override_resource {
  target = aws_dynamodb_table.this
  values = {
    arn        = "arn:aws-us-gov:dynamodb:ap-southeast-1:111122223333:table/payhookpayhookpa-productionproduc"
    stream_arn = "arn:aws-us-gov:dynamodb:ap-southeast-1:111122223333:table/payhookpayhookpa-productionproduc/stream/2026-11-27T00:00:00.000"
  }
}
override_resource {
  target = aws_sqs_queue.processor_dlq
  values = { arn = "arn:aws-us-gov:sqs:ap-southeast-1:111122223333:payhookpayhookpa-productionproduc-processor-dlq", url = "https://sqs.ap-southeast-1.amazonaws.com/111122223333/payhookpayhookpa-productionproduc-processor-dlq" }
}
override_resource {
  target = aws_sqs_queue.auditor_dlq
  values = { arn = "arn:aws-us-gov:sqs:ap-southeast-1:111122223333:payhookpayhookpa-productionproduc-auditor-dlq", url = "https://sqs.ap-southeast-1.amazonaws.com/111122223333/payhookpayhookpa-productionproduc-auditor-dlq" }
}
override_resource {
  target = aws_sqs_queue.reconcile_schedule_dlq
  values = { arn = "arn:aws-us-gov:sqs:ap-southeast-1:111122223333:payhookpayhookpa-productionproduc-reconciler-schedule-dlq", url = "https://sqs.ap-southeast-1.amazonaws.com/111122223333/payhookpayhookpa-productionproduc-reconciler-schedule-dlq" }
}
override_resource {
  target = aws_sns_topic.alerts
  values = { arn = "arn:aws-us-gov:sns:ap-southeast-1:111122223333:payhookpayhookpa-productionproduc-alerts" }
}
override_resource {
  target = aws_secretsmanager_secret.providers
  values = { arn = "arn:aws-us-gov:secretsmanager:ap-southeast-1:111122223333:secret:payhookpayhookpa-productionproduc/providers-AbCdEf" }
}
override_resource {
  target = aws_secretsmanager_secret.provider_apis
  values = { arn = "arn:aws-us-gov:secretsmanager:ap-southeast-1:111122223333:secret:payhookpayhookpa-productionproduc/provider-apis-GhIjKl" }
}
override_resource {
  target = aws_cloudwatch_event_bus.events
  values = { arn = "arn:aws-us-gov:events:ap-southeast-1:111122223333:event-bus/payhookpayhookpa-productionproduc-events" }
}
override_resource {
  target = aws_sqs_queue.forward
  values = { arn = "arn:aws-us-gov:sqs:ap-southeast-1:111122223333:payhookpayhookpa-productionproduc-forward-ledgerledgerledgerledg", url = "https://sqs.ap-southeast-1.amazonaws.com/111122223333/payhookpayhookpa-productionproduc-forward-ledgerledgerledgerledg" }
}
override_resource {
  target = aws_sqs_queue.forward_dlq
  values = { arn = "arn:aws-us-gov:sqs:ap-southeast-1:111122223333:payhookpayhookpa-productionproduc-forward-ledgerledgerledgerledg-dlq", url = "https://sqs.ap-southeast-1.amazonaws.com/111122223333/payhookpayhookpa-productionproduc-forward-ledgerledgerledgerledg-dlq" }
}
override_resource {
  target = aws_secretsmanager_secret.forward
  values = { arn = "arn:aws-us-gov:secretsmanager:ap-southeast-1:111122223333:secret:payhookpayhookpa-productionproduc/forward/ledgerledgerledgerledg-AbCdEf" }
}
override_resource {
  target = module.reconciler.aws_lambda_function.this
  values = { arn = "arn:aws-us-gov:lambda:ap-southeast-1:111122223333:function:payhookpayhookpa-productionproduc-reconciler" }
}
override_resource {
  target = module.receiver.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws-us-gov:logs:ap-southeast-1:111122223333:log-group:/aws/lambda/payhookpayhookpa-productionproduc-receiver" }
}
override_resource {
  target = module.processor.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws-us-gov:logs:ap-southeast-1:111122223333:log-group:/aws/lambda/payhookpayhookpa-productionproduc-processor" }
}
override_resource {
  target = module.auditor.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws-us-gov:logs:ap-southeast-1:111122223333:log-group:/aws/lambda/payhookpayhookpa-productionproduc-auditor" }
}
override_resource {
  target = module.reconciler.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws-us-gov:logs:ap-southeast-1:111122223333:log-group:/aws/lambda/payhookpayhookpa-productionproduc-reconciler" }
}
override_resource {
  target = module.forwarder.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws-us-gov:logs:ap-southeast-1:111122223333:log-group:/aws/lambda/payhookpayhookpa-productionproduc-forwarder" }
}

variables {
  name_prefix        = "payhookpayhookpa"
  environment_suffix = "productionproduc"
  lambda_zip_dir     = "../../tests/lambda-zips"
  function_roles = {
    receiver   = { name = "payhookpayhookpa-productionproduc-receiver", arn = "arn:aws-us-gov:iam::111122223333:role/payhookpayhookpa/productionproduc/payhookpayhookpa-productionproduc-receiver" }
    processor  = { name = "payhookpayhookpa-productionproduc-processor", arn = "arn:aws-us-gov:iam::111122223333:role/payhookpayhookpa/productionproduc/payhookpayhookpa-productionproduc-processor" }
    auditor    = { name = "payhookpayhookpa-productionproduc-auditor", arn = "arn:aws-us-gov:iam::111122223333:role/payhookpayhookpa/productionproduc/payhookpayhookpa-productionproduc-auditor" }
    reconciler = { name = "payhookpayhookpa-productionproduc-reconciler", arn = "arn:aws-us-gov:iam::111122223333:role/payhookpayhookpa/productionproduc/payhookpayhookpa-productionproduc-reconciler" }
    forwarder  = { name = "payhookpayhookpa-productionproduc-forwarder", arn = "arn:aws-us-gov:iam::111122223333:role/payhookpayhookpa/productionproduc/payhookpayhookpa-productionproduc-forwarder" }
  }
  schedule_role     = { name = "payhookpayhookpa-productionproduc-reconciler-schedule", arn = "arn:aws-us-gov:iam::111122223333:role/payhookpayhookpa/productionproduc/payhookpayhookpa-productionproduc-reconciler-schedule" }
  reconcile_enabled = true
  paypal_confirm    = true
  event_bus_enabled = true
  # 22 characters: the most a rule name leaves here (64 - 42).
  event_destinations = [
    { name = "ledgerledgerledgerled1", url = "https://l.example/p" },
    { name = "ledgerledgerledgerled2", url = "https://l.example/p" },
    { name = "ledgerledgerledgerled3", url = "https://l.example/p" },
    { name = "ledgerledgerledgerled4", url = "https://l.example/p" },
    { name = "ledgerledgerledgerled5", url = "https://l.example/p" },
  ]
}

run "every_policy_is_within_awss_limits" {
  command = plan

  assert {
    condition     = length(output.functions) == 5 && alltrue([for f in output.functions : f.policy_size > 0 && f.policy_size <= 10240])
    error_message = "A function role's inline policy is over IAM's 10,240 characters: ${jsonencode({ for n, f in output.functions : n => f.policy_size })}."
  }
  assert {
    condition     = length(replace(aws_iam_role_policy.reconcile_schedule[0].policy, "/\\s/", "")) <= 10240
    error_message = "The schedule role's inline policy takes ${length(replace(aws_iam_role_policy.reconcile_schedule[0].policy, "/\\s/", ""))} characters; IAM allows 10,240."
  }
  assert {
    condition     = length(aws_kms_key.this.policy) <= 32768
    error_message = "The key policy takes ${length(aws_kms_key.this.policy)} bytes; KMS allows 32,768."
  }
  assert {
    condition     = length(aws_sns_topic_policy.alerts.policy) <= 30720
    error_message = "The topic policy takes ${length(aws_sns_topic_policy.alerts.policy)} bytes; SNS allows 30 KB."
  }
  assert {
    condition     = length(output.event_destinations) == 5 && length(output.functions.forwarder.statements[3].resources) == 5
    error_message = "Every destination's queue is in the forwarder's policy."
  }
}
