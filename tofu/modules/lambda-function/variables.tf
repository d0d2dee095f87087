variable "name" {
  description = "Function name; also names its role and log group."
  type        = string
}

variable "description" {
  description = "What the function does."
  type        = string
}

variable "zip_path" {
  description = "Path of the deployment zip: one linux/arm64 `bootstrap` (nix build .#lambdas). Its hash makes a new build a new deployment."
  type        = string

  # Without the zip there is no hash, and the function would keep its old
  # code without a word: the plan stops instead.
  validation {
    condition     = fileexists(var.zip_path)
    error_message = "Lambda zip ${var.zip_path} does not exist: build it first (nix build .#lambdas, or go run ./tools/buildlambdas -out result)."
  }
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
  description = "Reserved concurrent executions: a ceiling that protects the rest of the account, and a floor for this function. null leaves the function on the account's unreserved pool."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrency == null || try(var.reserved_concurrency >= 0, false)
    error_message = "Reserve 0 or more, or give null to reserve nothing."
  }
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
  description = "What the function may do beyond logging and tracing, one object per statement, with IAM condition operators when it needs them (e.g. { \"ForAllValues:StringLike\" = { \"dynamodb:LeadingKeys\" = [\"WEBHOOK#*\"] } }). Actions are named one by one: no wildcards."
  type = list(object({
    sid        = string
    actions    = list(string)
    resources  = list(string)
    conditions = optional(map(map(list(string))))
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.policy_statements : alltrue([for a in s.actions : !strcontains(a, "*")])])
    error_message = "Name every action; wildcard actions are not allowed."
  }
}

variable "role" {
  description = "The execution role, as name and ARN: made by an administrator (github-oidc's function_roles), under the environment's IAM path with its permissions boundary. This module writes its inline policy."
  type = object({
    name = string
    arn  = string
  })
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
