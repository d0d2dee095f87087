variable "name" {
  description = "Function name; also names its role and log group."
  type        = string
}

variable "description" {
  description = "What the function does."
  type        = string
}

variable "zip_path" {
  description = "Path of the deployment zip: one linux/arm64 `bootstrap` (nix build .#lambdas)."
  type        = string
}

variable "source_code_hash" {
  description = "Base64 SHA-256 of the zip, so a new build is a new deployment; null when the zip is not built yet (plans in tests)."
  type        = string
  default     = null
}

variable "timeout" {
  description = "Timeout in seconds."
  type        = number
}

variable "memory_size" {
  description = "Memory in MB."
  type        = number
  default     = 256
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions: a ceiling that protects the rest of the account, and a floor for this function."
  type        = number
}

variable "environment" {
  description = "Environment variables; encrypted with kms_key_arn."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = "The key for the environment variables and the log group."
  type        = string
}

variable "log_retention_days" {
  description = "How long the function's logs are kept."
  type        = number
}

variable "policy_statements" {
  description = "What the function may do beyond logging and tracing, one object per statement. Actions are named one by one: no wildcards."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.policy_statements : alltrue([for a in s.actions : !strcontains(a, "*")])])
    error_message = "Name every action; wildcard actions are not allowed."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
