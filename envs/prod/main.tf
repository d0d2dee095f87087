# prod: protected from deletion, logs (and so the audit trail) kept a year.
module "pipeline" {
  source                = "../../tofu/modules/webhook-pipeline"
  environment_suffix    = var.environment_suffix
  lambda_zip_dir        = var.lambda_zip_dir
  provider_source_cidrs = var.provider_source_cidrs
  deletion_protection   = true
  log_retention_days    = 365
  paypal_sandbox        = false
  event_bus_enabled     = true
}

module "github" {
  source               = "../../tofu/modules/github-oidc"
  github_repository    = var.github_repository
  environment_suffix   = var.environment_suffix
  github_environment   = "prod"
  state_bucket         = var.state_bucket
  create_oidc_provider = var.create_github_oidc_provider
}
