# Issue 23, item 1: AWS refuses IAM documents over its limits, counting
# every character but whitespace (IAM and AWS STS quotas): a role's inline
# policies together 10,240, a managed policy 6,144, a trust policy 2,048 by
# default, 10 managed policies per role. Mocks accept anything, so each
# rendered document is measured, at the longest names the variables allow.

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
}

override_resource {
  target = aws_iam_policy.boundary
  values = { arn = "arn:aws-us-gov:iam::111122223333:policy/payhookpayhookpa/productionproduc/payhookpayhookpa-productionproduc-boundary" }
}

# 16-character prefix and environment (the most their validations allow),
# a 63-character bucket (S3's longest), a 39-character owner and a
# 100-character repository (GitHub's longest), a 39-character GitHub
# environment for pull requests' plans.
variables {
  name_prefix                   = "payhookpayhookpa"
  environment_suffix            = "productionproduc"
  state_bucket                  = "acme-payments-platform-opentofu-state-111122223333-ap-southeast"
  github_repository             = "acme-payments-platform-engineering-team/payhook-webhook-ingestion-for-every-payment-provider-we-use-in-production-and-staging-x-and-sandboxe"
  pull_request_plan_environment = "production-pull-request-plans-reviewers"
}

run "every_iam_document_is_within_awss_limits" {
  command = plan

  assert {
    condition     = alltrue([for role, size in output.policy_sizes.trust : size <= 2048])
    error_message = "A trust policy is over IAM's 2,048 characters: ${jsonencode(output.policy_sizes.trust)}."
  }
  assert {
    condition     = alltrue([for role, size in output.policy_sizes.inline : size <= 10240])
    error_message = "A CI role's inline policies are over IAM's 10,240 characters per role: ${jsonencode(output.policy_sizes.inline)}."
  }
  assert {
    condition     = alltrue([for policy, size in output.policy_sizes.managed : size <= 6144])
    error_message = "A managed policy is over IAM's 6,144 characters: ${jsonencode(output.policy_sizes.managed)}."
  }
  assert {
    condition     = output.policy_sizes.deploy_policies_attached <= 10 && output.policy_sizes.inline.deploy == 0
    error_message = "The deploy role holds its permissions in at most 10 managed policies, and no inline one."
  }
  # What is measured is what is sent.
  assert {
    condition = alltrue(concat([for name, p in aws_iam_policy.deploy : length(replace(p.policy, "/\\s/", "")) == output.policy_sizes.managed[name]], [
      length(replace(aws_iam_role_policy.plan.policy, "/\\s/", "")) == output.policy_sizes.inline.plan,
      length(replace(aws_iam_role_policy.drift.policy, "/\\s/", "")) == output.policy_sizes.inline.drift,
      length(replace(aws_iam_role.deploy.assume_role_policy, "/\\s/", "")) == output.policy_sizes.trust.deploy,
      length(replace(aws_iam_role.function["receiver"].assume_role_policy, "/\\s/", "")) == output.policy_sizes.trust.function,
    ]))
    error_message = "The sizes measured must be those of the documents the resources send."
  }
  # IAM's names: a role's at most 64 characters, a policy's 128.
  assert {
    condition     = alltrue([for r in concat([aws_iam_role.plan, aws_iam_role.deploy, aws_iam_role.drift, aws_iam_role.reconcile_schedule], values(aws_iam_role.function)) : length(r.name) <= 64])
    error_message = "A role's name is over IAM's 64 characters."
  }
  assert {
    condition     = alltrue([for p in concat([aws_iam_policy.boundary], values(aws_iam_policy.deploy)) : length(p.name) <= 128])
    error_message = "A policy's name is over IAM's 128 characters."
  }
  assert {
    condition     = length(aws_iam_role_policy_attachment.deploy) == length(aws_iam_policy.deploy) && alltrue([for a in aws_iam_role_policy_attachment.deploy : a.role == aws_iam_role.deploy.name])
    error_message = "Every deploy policy is attached to the deploy role."
  }
  assert {
    condition     = alltrue([for p in aws_iam_policy.deploy : p.path == "/payhookpayhookpa-ci/"]) && length(aws_iam_policy.deploy) == 3
    error_message = "The deploy policies live under the CI path, which the deploy role is denied changing."
  }
}

# A document over its limit stops the plan, naming the role and the size:
# here trust policies that name a repository no GitHub name could be.
run "a_document_over_its_limit_stops_the_plan" {
  command = plan
  variables {
    github_repository = "acme/payhook-webhook-ingestion-for-every-payment-provider-payhook-webhook-ingestion-for-every-payment-provider-payhook-webhook-ingestion-for-every-payment-provider-payhook-webhook-ingestion-for-every-payment-provider-payhook-webhook-ingestion-for-every-payment-provider-payhook-webhook-ingestion-for-every-payment-provider-payhook-webhook-ingestion-for-every-payment-provider-payhook-webhook-ingestion-for-every-payment-provider-payhook-webhook-ingestion-for-every-payment-provider-payhook-webhook-ingestion-for-every-payment-provider-payhook-webhook-ingestion-for-every-payment-provider-payhook-webhook-ingestion-for-every-payment-provider-payhook-webhook-ingestion-for-every-payment-provider-payhook-webhook-ingestion-for-every-payment-provider-payhook-webhook-ingestion-for-every-payment-provider-payhook-webhook-ingestion-for-every-payment-provider-payhook-webhook-ingestion-for-every-payment-provider-payhook-webhook-ingestion-for-every-payment-provider-payhook-webhook-ingestion-for-every-payment-provider-payhook-webhook-ingestion-for-every-payment-provider-"
  }
  expect_failures = [aws_iam_role.plan, aws_iam_role.deploy, aws_iam_role.drift]
}
