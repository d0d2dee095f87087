variable "github_repository" {
  description = "The repository whose workflows may assume the roles, as owner/name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "Give the repository as owner/name."
  }
}

variable "environment_suffix" {
  description = "The environment the roles plan and deploy: dev, staging, prod. Its deploy jobs run in the GitHub environment of the same name."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9-]{2,16}$", var.environment_suffix))
    error_message = "Use 2 to 16 lowercase letters, digits or dashes, as the pipeline does."
  }
}

variable "deploy_branch" {
  description = "The only branch whose deploy workflow may plan and deploy this environment."
  type        = string
  default     = "main"
}

variable "pull_request_plan_environment" {
  description = "The protected GitHub environment in which pull requests plan this environment (for prod: its reviewers decide which pull request's code may read prod's state). null lets every pull request's plan job plan it."
  type        = string
  default     = null
}

variable "state_bucket" {
  description = "The S3 bucket holding the OpenTofu state; this environment's state is under <name_prefix>/<environment_suffix>/ in it."
  type        = string
}

variable "name_prefix" {
  description = "First part of every name, as in the pipeline."
  type        = string
  default     = "payhook"
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider; false when another environment in the account already has (one per account)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
