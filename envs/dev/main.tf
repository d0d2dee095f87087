# dev: cheap to throw away, quick to look at.
module "pipeline" {
  source                = "../../tofu/modules/webhook-pipeline"
  environment_suffix    = var.environment_suffix
  lambda_zip_dir        = var.lambda_zip_dir
  provider_source_cidrs = var.provider_source_cidrs
  deletion_protection   = false
  log_retention_days    = 14
  paypal_sandbox        = true
  event_bus_enabled     = false
}

module "github" {
  source               = "../../tofu/modules/github-oidc"
  github_repository    = var.github_repository
  environment_suffix   = var.environment_suffix
  github_environment   = null # pushes to main deploy dev
  state_bucket         = var.state_bucket
  create_oidc_provider = var.create_github_oidc_provider
}
