variable "name_prefix" {
  description = "First part of every name, as in the environments: a lowercase letter, then 1 to 15 lowercase letters or digits."
  type        = string
  default     = "payhook"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,15}$", var.name_prefix))
    error_message = "Use a lowercase letter, then 1 to 15 lowercase letters or digits."
  }
}

variable "alert_environment" {
  description = "The environment whose alert topic (<name_prefix>-<alert_environment>-alerts, in this region) receives IAM Access Analyzer's findings and this root's own alarm: prod, or the one environment of the account."
  type        = string
  default     = "prod"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,15}$", var.alert_environment))
    error_message = "Give an environment's name, as the environments validate it."
  }
}

variable "github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (one per account, global). false for a second region's account root, or where the organisation already has one."
  type        = bool
  default     = true
}

variable "api_gateway_logging" {
  description = "Set API Gateway's account-wide CloudWatch Logs role in this region, which every environment's access logs need (one per account and region). false where the organisation already sets it."
  type        = bool
  default     = true
}

variable "access_analyzer" {
  description = "Create an IAM Access Analyzer for external access in this region. false where the account already has one (one per account and region); its findings are routed all the same."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
