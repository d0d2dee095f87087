variable "github_repository" {
  description = "The repository whose workflows may assume the roles, as owner/name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "Give the repository as owner/name."
  }
}

variable "environment_suffix" {
  description = "The environment the roles plan and deploy: dev, staging, prod. Its deploy jobs run in the GitHub environment of the same name. A lowercase letter, then 1 to 15 lowercase letters or digits: no dash, so that no environment's name begins another's followed by the dash every pattern ends at. Not account, the account root's."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,15}$", var.environment_suffix))
    error_message = "Use a lowercase letter, then 1 to 15 lowercase letters or digits (no dash: payhook-dev-* would also match an environment named dev-eu)."
  }
  validation {
    # The account root's names are <name_prefix>-account-*: an environment
    # of that name would reach its queue, alias and alarms.
    condition     = var.environment_suffix != "account"
    error_message = "account is the account root's (envs/account): name the environment otherwise."
  }
}

variable "deploy_branch" {
  description = "The only branch whose deploy workflow may plan and deploy this environment, and whose drift workflow may check it."
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
  description = "First part of every name, as in the pipeline: a lowercase letter, then 1 to 15 lowercase letters or digits."
  type        = string
  default     = "payhook"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,15}$", var.name_prefix))
    error_message = "Use a lowercase letter, then 1 to 15 lowercase letters or digits (no dash, for the same reason as the environment's name)."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
