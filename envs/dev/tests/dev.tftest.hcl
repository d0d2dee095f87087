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

run "dev" {
  command = plan
  variables {
    deployment = run.deployment.deployment
  }

  assert {
    condition     = output.stack.review.protection.table_deletion_protection == false
    error_message = "dev: table deletion protection must be false."
  }
  assert {
    condition     = output.stack.review.protection.log_retention_days == 14 && alltrue([for f in output.stack.review.functions : f.configuration.log_retention_days == 14])
    error_message = "dev: logs are kept 14 days."
  }
  assert {
    condition     = output.stack.review.functions.receiver.configuration.reserved_concurrency == -1
    error_message = "dev: the receiver's reservation must be -1."
  }
  assert {
    condition     = output.stack.review.protection.point_in_time_recovery && output.stack.review.protection.key_rotation
    error_message = "Every environment has point-in-time recovery and key rotation."
  }
  assert {
    condition     = keys(output.stack.webhook_urls) == ["adyen", "checkout", "gocardless", "paddle", "paypal", "square", "standard", "stripe"] && output.stack.table_name == "payhook-dev"
    error_message = "Every provider gets a webhook URL; names carry the environment."
  }
  assert {
    condition     = output.stack.review.policies.deploy_trust.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == ["repo:payhook/payhook:environment:dev:job_workflow_ref:payhook/payhook/.github/workflows/deploy.yml@refs/heads/main"]
    error_message = "dev deploys from deploy.yml on main, in the dev GitHub environment."
  }
  assert {
    condition     = jsondecode(file("../account/terraform.tfvars.json")).deployment.account_id == var.deployment.account_id && jsondecode(file("../account/terraform.tfvars.json")).deployment.region == var.deployment.region
    error_message = "dev holds no account-wide setting: the account root (envs/account) of its account and region does."
  }
  assert {
    condition     = output.stack.review.functions.reconciler.configuration.reserved_concurrency == -1 && output.stack.reconciliation.schedule_expression == "rate(15 minutes)"
    error_message = "dev reconciles every 15 minutes, unreserved like its other functions."
  }
}

# Issue 23, item 6: a terraform.tfvars.json from before envs/account is
# refused, naming what to do, rather than silently ignored.
run "an_environment_still_holding_account_settings_is_refused" {
  command = plan
  variables {
    deployment = {
      account_id     = "111122223333", region = "ap-southeast-1", github_repository = "payhook/payhook", state_bucket = "payhook-tofu-state-111122223333",
      lambda_zip_dir = "../../tofu/tests/lambda-zips", create_github_oidc_provider = true, manage_api_gateway_account = true
    }
  }
  expect_failures = [var.deployment]
}
