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

# The committed terraform.tfvars.json, with the fixture zips.
run "deployment" {
  command = apply
  module {
    source = "../../tofu/tests/deployment"
  }
}

run "prod" {
  command = plan
  variables {
    deployment = run.deployment.deployment
  }

  assert {
    condition     = output.stack.review.protection.table_deletion_protection == true
    error_message = "prod: table deletion protection must be true."
  }
  assert {
    condition     = output.stack.review.protection.log_retention_days == 365 && alltrue([for f in output.stack.review.functions : f.configuration.log_retention_days == 365])
    error_message = "prod: logs are kept 365 days."
  }
  assert {
    condition     = output.stack.review.functions.receiver.configuration.reserved_concurrency == 100
    error_message = "prod: the receiver's reservation must be 100."
  }
  assert {
    condition     = output.stack.review.protection.point_in_time_recovery && output.stack.review.protection.key_rotation
    error_message = "Every environment has point-in-time recovery and key rotation."
  }
  assert {
    condition     = keys(output.stack.webhook_urls) == ["adyen", "checkout", "gocardless", "paddle", "paypal", "square", "standard", "stripe"] && output.stack.table_name == "payhook-prod"
    error_message = "Every provider gets a webhook URL; names carry the environment."
  }
  assert {
    condition     = !anytrue([for s in output.stack.review.policies.plan_trust.Statement[0].Condition.StringLike["token.actions.githubusercontent.com:sub"] : strcontains(s, ":pull_request:")])
    error_message = "Pull requests plan prod only in the protected prod-plan environment."
  }
  assert {
    condition     = output.stack.review.functions.receiver.configuration.reserved_concurrency == 100 && output.stack.review.protection.reserved_concurrency == 161
    error_message = "prod reserves 161 concurrent executions, 100 of them for the receiver."
  }
  assert {
    condition     = output.stack.review.functions.reconciler.configuration.reserved_concurrency == 1 && output.stack.reconciliation.schedule_expression == "rate(15 minutes)"
    error_message = "prod reconciles every 15 minutes, one run at a time."
  }
  assert {
    condition     = output.stack.review.functions.reconciler.configuration.environment.PAYHOOK_PAYPAL_SANDBOX == "false" && output.stack.review.functions.processor.configuration.environment.PAYHOOK_PAYPAL_SANDBOX == "false"
    error_message = "prod's reconciler and processor talk to live PayPal only."
  }
}
