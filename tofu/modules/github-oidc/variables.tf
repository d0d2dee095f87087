variable "github_repository" {
  description = "The repository whose workflows may assume the roles, as owner/name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "Give the repository as owner/name."
  }
}

variable "environment_suffix" {
  description = "The environment the roles deploy: dev, staging, prod."
  type        = string
}

variable "github_environment" {
  description = "The protected GitHub environment whose jobs may deploy (its approval rules apply); null lets pushes to main deploy (dev)."
  type        = string
  default     = null
}

variable "state_bucket" {
  description = "The S3 bucket holding the OpenTofu state."
  type        = string
}

variable "name_prefix" {
  description = "First part of every name, as in the pipeline."
  type        = string
  default     = "payhook"
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider; false when another root already has (one per account)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
