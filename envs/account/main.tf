# account: what the AWS account holds once, whatever environments it runs
# (GitHub's OIDC provider, API Gateway's logging role, X-Ray's encryption,
# IAM Access Analyzer). An administrator applies it, once per account and
# region, before the environments; no CI role may change it.
terraform {
  required_version = ">= 1.10" # the S3 backend's use_lockfile
  backend "s3" {
    key          = "payhook/account/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  region              = var.deployment.region
  allowed_account_ids = [var.deployment.account_id]
}

variable "deployment" {
  description = "The account and region (terraform.tfvars.json), as the environments' files give them."
  type = object({
    account_id   = string
    region       = string
    state_bucket = string
  })

  validation {
    condition     = can(regex("^[0-9]{12}$", var.deployment.account_id))
    error_message = "deployment.account_id is the 12-digit AWS account id."
  }
}

# The provider's allowed_account_ids stops the root before any call to the
# wrong account; this check says the same at plan time, where tests see it.
data "aws_caller_identity" "current" {
  lifecycle {
    postcondition {
      condition     = self.account_id == var.deployment.account_id
      error_message = "These credentials are for account ${self.account_id}, but the account root is for ${var.deployment.account_id} (terraform.tfvars.json)."
    }
  }
}

module "account" {
  source = "../../tofu/modules/payhook-account"
  # Access Analyzer's findings and this root's alarm go to prod's alert topic.
  alert_environment = "prod"
  tags              = { Application = "payhook", Environment = "account", ManagedBy = "opentofu" }
}

output "account" {
  description = "The account-wide settings: the OIDC provider, API Gateway's logging role, X-Ray's key, and where Access Analyzer's findings go."
  value       = module.account
}
