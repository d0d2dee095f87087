# One environment of payhook: the pipeline, and the roles through which
# GitHub plans and deploys it. The environment roots give the values.

# The provider's allowed_account_ids stops a root before any call to the
# wrong account; this check says the same at plan time, where tests see it.
data "aws_caller_identity" "current" {
  lifecycle {
    postcondition {
      condition     = self.account_id == var.deployment.account_id
      error_message = "These credentials are for account ${self.account_id}, but ${var.environment} deploys to ${var.deployment.account_id} (terraform.tfvars.json)."
    }
  }
}

module "github" {
  source                        = "../github-oidc"
  environment_suffix            = var.environment
  github_repository             = var.deployment.github_repository
  state_bucket                  = var.deployment.state_bucket
  deploy_branch                 = var.deploy_branch
  pull_request_plan_environment = var.pull_request_plan_environment
  tags                          = local.tags
}

module "pipeline" {
  source              = "../webhook-pipeline"
  environment_suffix  = var.environment
  lambda_zip_dir      = var.deployment.lambda_zip_dir
  function_roles      = module.github.function_roles
  schedule_role       = module.github.schedule_role
  deletion_protection = var.deletion_protection
  log_retention_days  = var.log_retention_days
  paypal_sandbox      = var.paypal_sandbox
  event_bus_enabled   = var.event_bus_enabled
  event_destinations  = var.event_destinations
  reserve_concurrency = var.reserve_concurrency
  reconcile_enabled   = var.reconcile_enabled
  reconcile_schedule  = var.reconcile_schedule
  reconcile_window    = var.reconcile_window
  paypal_confirm      = var.paypal_confirm
  checkout_confirm    = var.checkout_confirm
  gocardless_amounts  = var.gocardless_amounts
  tags                = local.tags
}

locals {
  tags = { Application = "payhook", Environment = var.environment, ManagedBy = "opentofu" }
}

# The function roles moved from the pipeline to github-oidc, whose
# resources an administrator applies (README: Upgrading): same names, same
# roles, no replacement.
moved {
  from = module.pipeline.module.receiver.aws_iam_role.this
  to   = module.github.aws_iam_role.function["receiver"]
}

moved {
  from = module.pipeline.module.processor.aws_iam_role.this
  to   = module.github.aws_iam_role.function["processor"]
}

moved {
  from = module.pipeline.module.auditor.aws_iam_role.this
  to   = module.github.aws_iam_role.function["auditor"]
}

moved {
  from = module.pipeline.module.reconciler[0].aws_iam_role.this
  to   = module.github.aws_iam_role.function["reconciler"]
}

moved {
  from = module.pipeline.module.forwarder[0].aws_iam_role.this
  to   = module.github.aws_iam_role.function["forwarder"]
}

moved {
  from = module.pipeline.aws_iam_role.reconcile_schedule[0]
  to   = module.github.aws_iam_role.reconcile_schedule
}

