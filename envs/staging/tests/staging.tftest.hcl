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

run "staging" {
  command = plan
  variables {
    deployment = run.deployment.deployment
  }

  assert {
    condition     = output.stack.review.protection.table_deletion_protection == true
    error_message = "staging: table deletion protection must be true."
  }
  assert {
    condition     = output.stack.review.protection.log_retention_days == 90 && alltrue([for f in output.stack.review.functions : f.configuration.log_retention_days == 90])
    error_message = "staging: logs are kept 90 days."
  }
  assert {
    condition     = output.stack.review.functions.receiver.configuration.reserved_concurrency == 100
    error_message = "staging: the receiver's reservation must be 100."
  }
  assert {
    condition     = output.stack.review.protection.point_in_time_recovery && output.stack.review.protection.key_rotation
    error_message = "Every environment has point-in-time recovery and key rotation."
  }
  assert {
    condition     = keys(output.stack.webhook_urls) == ["adyen", "checkout", "gocardless", "paddle", "paypal", "square", "standard", "stripe"] && output.stack.table_name == "payhook-staging"
    error_message = "Every provider gets a webhook URL; names carry the environment."
  }
  assert {
    condition     = jsondecode(file("../account/terraform.tfvars.json")).deployment.account_id == var.deployment.account_id && jsondecode(file("../account/terraform.tfvars.json")).deployment.region == var.deployment.region
    error_message = "staging shares the account root's (envs/account) account and region, which holds the account-wide settings."
  }
  assert {
    condition     = output.stack.review.functions.reconciler.configuration.reserved_concurrency == 1 && output.stack.review.protection.reserved_concurrency == 161 && output.stack.reconciliation.schedule_expression == "rate(15 minutes)"
    error_message = "staging reconciles every 15 minutes, one run at a time, and reserves 161 in all."
  }
}
