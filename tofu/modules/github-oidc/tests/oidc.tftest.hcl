mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}

variables {
  github_repository  = "payhook/payhook"
  environment_suffix = "prod"
  state_bucket       = "payhook-tofu-state"
}

run "pull_requests_plan_and_only_the_protected_environment_deploys" {
  command = plan
  variables {
    github_environment = "prod"
  }

  assert {
    condition     = output.policies.plan_trust.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == "repo:payhook/payhook:pull_request"
    error_message = "Only pull requests of the repository may assume the plan role."
  }
  assert {
    condition     = output.policies.deploy_trust.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == "repo:payhook/payhook:environment:prod"
    error_message = "Only the protected prod environment's jobs may assume the prod deploy role."
  }
  assert {
    condition     = alltrue([for p in [output.policies.plan_trust, output.policies.deploy_trust] : p.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"])
    error_message = "Tokens must be meant for STS."
  }
}

run "dev_deploys_from_main" {
  command = plan
  variables {
    environment_suffix = "dev"
    github_environment = null
  }

  assert {
    condition     = output.policies.deploy_trust.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == "repo:payhook/payhook:ref:refs/heads/main"
    error_message = "dev deploys on pushes to main."
  }
}

run "deploy_names_every_action" {
  command = plan

  assert {
    condition     = alltrue(flatten([for s in output.policies.deploy_statements : [for a in s.Action : !strcontains(a, "*")]]))
    error_message = "A deploy statement has a wildcard action."
  }
}
