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

# Issue 23, item 6: the account-wide singletons live here, once, for the
# account and region every environment's terraform.tfvars.json names.
run "the_account_root_holds_the_accounts_singletons" {
  command = plan

  assert {
    condition     = module.account.github_oidc_provider_arn == "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" && module.account.api_gateway_logging_role_arn != null
    error_message = "The account root creates GitHub's OIDC provider and API Gateway's logging role."
  }
  assert {
    condition = alltrue([for env in ["dev", "staging", "prod"] :
      jsondecode(file("../${env}/terraform.tfvars.json")).deployment.account_id == var.deployment.account_id &&
      jsondecode(file("../${env}/terraform.tfvars.json")).deployment.region == var.deployment.region &&
    jsondecode(file("../${env}/terraform.tfvars.json")).deployment.state_bucket == var.deployment.state_bucket])
    error_message = "The committed environments deploy to the account, region and state bucket of the account root."
  }
  assert {
    condition     = module.account.access_findings.alert_topic == "arn:aws:sns:ap-southeast-1:111122223333:payhook-prod-alerts"
    error_message = "Access Analyzer's findings go to prod's alert topic."
  }
}

run "credentials_for_another_account_stop_the_plan" {
  command = plan
  override_data {
    target = data.aws_caller_identity.current
    values = { account_id = "999988887777" }
  }
  expect_failures = [data.aws_caller_identity.current]
}
