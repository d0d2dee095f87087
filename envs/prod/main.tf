# prod: protected, logs (the audit trail) kept a year, live PayPal only.
terraform {
  required_version = ">= 1.10" # the S3 backend's use_lockfile
  backend "s3" {
    key          = "payhook/prod/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  region              = var.deployment.region
  allowed_account_ids = [var.deployment.account_id]
}

variable "deployment" {
  description = "Where and with what prod deploys (terraform.tfvars.json); typed and checked by the payhook-stack module."
  type        = any

  # The account-wide settings moved to envs/account (README: Upgrading).
  validation {
    condition     = !can(var.deployment.create_github_oidc_provider) && !can(var.deployment.manage_api_gateway_account)
    error_message = "create_github_oidc_provider and manage_api_gateway_account are no longer an environment's: remove them from terraform.tfvars.json, and apply envs/account (README: Upgrading)."
  }
}

module "stack" {
  source                        = "../../tofu/modules/payhook-stack"
  environment                   = "prod"
  deployment                    = var.deployment
  deletion_protection           = true
  log_retention_days            = 365
  paypal_sandbox                = false
  event_bus_enabled             = true
  reserve_concurrency           = true
  pull_request_plan_environment = "prod-plan"
}

output "stack" {
  description = "Webhook URLs, table, keys' secret, queues, alert topic, smoke arguments, GitHub settings: tofu output -json stack."
  value       = module.stack
}
