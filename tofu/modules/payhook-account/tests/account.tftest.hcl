# Plan-time checks of what an account holds once.

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
  target = aws_kms_key.account
  values = { arn = "arn:aws:kms:ap-southeast-1:111122223333:key/account", key_id = "account" }
}

override_resource {
  target = aws_sqs_queue.access_findings_dlq
  values = { arn = "arn:aws:sqs:ap-southeast-1:111122223333:payhook-account-access-findings-dlq", url = "https://sqs.ap-southeast-1.amazonaws.com/111122223333/payhook-account-access-findings-dlq" }
}

override_resource {
  target = aws_cloudwatch_event_rule.access_findings
  values = { arn = "arn:aws:events:ap-southeast-1:111122223333:rule/payhook-access-analyzer-findings" }
}

# Issue 23, item 2: an analyzer of external access, whose active findings
# reach the alert topic, and what cannot reach it a dead-letter queue.
run "access_analyzer_findings_reach_the_alert_topic" {
  command = plan

  assert {
    condition     = aws_accessanalyzer_analyzer.external_access[0].type == "ACCOUNT" && aws_accessanalyzer_analyzer.external_access[0].analyzer_name == "payhook-external-access"
    error_message = "The account gets an external access analyzer."
  }
  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.access_findings.event_pattern) == {
      source = ["aws.access-analyzer"], "detail-type" = ["Access Analyzer Finding"], detail = { status = ["ACTIVE"] }
    } && aws_cloudwatch_event_rule.access_findings.event_bus_name == "default"
    error_message = "The rule takes every active finding from the default bus, where Access Analyzer sends them."
  }
  assert {
    condition     = aws_cloudwatch_event_target.access_findings.arn == "arn:aws:sns:ap-southeast-1:111122223333:payhook-prod-alerts" && aws_cloudwatch_event_target.access_findings.rule == aws_cloudwatch_event_rule.access_findings.name
    error_message = "The findings go to prod's alert topic."
  }
  assert {
    # The pipeline's topic admits this rule by this ARN (webhook-pipeline's
    # alerts topic policy, tested there with the same value).
    condition     = output.access_findings.rule_arn == "arn:aws:events:ap-southeast-1:111122223333:rule/payhook-access-analyzer-findings"
    error_message = "The rule's ARN is the one the environments' topics admit."
  }
  assert {
    condition     = aws_cloudwatch_event_target.access_findings.dead_letter_config[0].arn == aws_sqs_queue.access_findings_dlq.arn && aws_cloudwatch_event_target.access_findings.retry_policy[0].maximum_retry_attempts > 0
    error_message = "What EventBridge cannot deliver after its retries goes to the dead-letter queue."
  }
  assert {
    condition = jsondecode(aws_sqs_queue_policy.access_findings_dlq.policy).Statement == [{
      Sid      = "TheFindingsRuleSends", Effect = "Allow", Principal = { Service = "events.amazonaws.com" }, Action = "sqs:SendMessage",
      Resource = aws_sqs_queue.access_findings_dlq.arn, Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.access_findings.arn } }
    }]
    error_message = "Only the findings rule may send to the dead-letter queue."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.access_findings_dlq.alarm_actions == toset(["arn:aws:sns:ap-southeast-1:111122223333:payhook-prod-alerts"]) && aws_cloudwatch_metric_alarm.access_findings_dlq.dimensions.QueueName == "payhook-account-access-findings-dlq"
    error_message = "An undelivered finding raises an alarm on the alert topic."
  }
  assert {
    condition     = aws_sqs_queue.access_findings_dlq.kms_master_key_id == aws_kms_key.account.arn
    error_message = "The dead letters are encrypted with the account key."
  }
}

# Where the account already has an analyzer, its findings are routed all
# the same.
run "an_existing_analyzer_is_routed_without_a_second" {
  command = plan
  variables {
    access_analyzer = false
  }

  assert {
    condition     = length(aws_accessanalyzer_analyzer.external_access) == 0 && aws_cloudwatch_event_target.access_findings.arn == "arn:aws:sns:ap-southeast-1:111122223333:payhook-prod-alerts"
    error_message = "Without its own analyzer the account root still routes findings."
  }
}

# Issue 23, item 6: X-Ray encrypts the account's traces with the key.
run "xray_encrypts_with_the_account_key" {
  command = plan

  assert {
    condition     = aws_xray_encryption_config.this.type == "KMS" && aws_xray_encryption_config.this.key_id == aws_kms_key.account.arn
    error_message = "X-Ray must encrypt traces with the account key."
  }
  assert {
    condition     = aws_kms_key.account.enable_key_rotation && [for s in output.key_policy : s.Condition if s.Sid == "XRayForTheAccount"] == [{ StringEquals = { "kms:ViaService" = "xray.ap-southeast-1.amazonaws.com" } }]
    error_message = "The key rotates, and the account's principals use it for X-Ray only through X-Ray."
  }
  assert {
    condition     = [for s in output.key_policy : s.Condition if s.Sid == "EventBridgeDeadLetters"] == [{ StringEquals = { "kms:EncryptionContext:aws:sqs:arn" = "arn:aws:sqs:ap-southeast-1:111122223333:payhook-account-access-findings-dlq" } }]
    error_message = "EventBridge may use the key for the findings' dead-letter queue only."
  }
}

# API Gateway's logging role and GitHub's OIDC provider, once.
run "the_account_gets_api_gateways_logging_role_and_githubs_oidc_provider" {
  command = plan

  assert {
    condition     = aws_api_gateway_account.this[0].cloudwatch_role_arn == aws_iam_role.api_gateway_logs[0].arn && aws_iam_role.api_gateway_logs[0].name == "payhook-apigateway-logs-ap-southeast-1" && aws_iam_role.api_gateway_logs[0].path == "/payhook-account/"
    error_message = "API Gateway's account settings name the logging role, under the account path the deploy roles are denied."
  }
  assert {
    condition     = aws_iam_role_policy_attachment.api_gateway_logs[0].policy_arn == "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs" && aws_iam_role.api_gateway_logs[0].permissions_boundary == aws_iam_role_policy_attachment.api_gateway_logs[0].policy_arn
    error_message = "The logging role has AWS's policy for pushing logs, and no more (its boundary)."
  }
  assert {
    condition     = length(replace(aws_iam_role.api_gateway_logs[0].assume_role_policy, "/\\s/", "")) <= 2048 && jsondecode(aws_iam_role.api_gateway_logs[0].assume_role_policy).Statement[0].Principal.Service == "apigateway.amazonaws.com"
    error_message = "The logging role trusts API Gateway, in a trust policy within IAM's 2,048 characters."
  }
  assert {
    condition     = aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com" && aws_iam_openid_connect_provider.github[0].client_id_list == toset(["sts.amazonaws.com"])
    error_message = "GitHub's OIDC provider issues tokens for STS."
  }
}

run "a_second_region_leaves_the_global_provider_alone" {
  command = plan
  variables {
    github_oidc_provider = false
    api_gateway_logging  = false
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0 && length(aws_api_gateway_account.this) == 0 && length(aws_iam_role.api_gateway_logs) == 0
    error_message = "Each setting can be left to whoever already holds it."
  }
}

# The key is never destroyed by OpenTofu: tests/protected, run by
# .ci/protected, asserts it through a plan.
