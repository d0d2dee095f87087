variable "environment" {
  description = "The environment's name: dev, staging, prod. It names every resource, the state prefix, and the GitHub environment its deploys run in. A lowercase letter, then 1 to 15 lowercase letters or digits."
  type        = string
}

variable "deployment" {
  description = "Where and with what the environment deploys: the AWS account and region, the GitHub repository, the state bucket, and the Lambda zips. The environment roots read it from terraform.tfvars.json."
  type = object({
    account_id        = string
    region            = string
    github_repository = string
    state_bucket      = string
    # Relative to the root; nix build .#lambdas and go run ./tools/buildlambdas -out result write here.
    lambda_zip_dir = optional(string, "../../result")
  })

  validation {
    condition     = can(regex("^[0-9]{12}$", var.deployment.account_id))
    error_message = "deployment.account_id is the 12-digit AWS account id."
  }
}

variable "deletion_protection" {
  description = "Turn on the table's deletion protection in DynamoDB."
  type        = bool
}

variable "log_retention_days" {
  description = "How long function and API logs are kept; the auditor's log group is the audit trail."
  type        = number
}

variable "paypal_sandbox" {
  description = "Also trust PayPal's sandbox certificate hosts (never in production)."
  type        = bool
}

variable "event_bus_enabled" {
  description = "Publish canonical payment events on an EventBridge bus."
  type        = bool
}

variable "reserve_concurrency" {
  description = "Reserve 161 concurrent executions for the functions (160 without reconciliation), and 5 more for each event destination; the account's Lambda quota must allow it (README: Deploy to AWS)."
  type        = bool
}

variable "reconcile_enabled" {
  description = "Run the reconciler on a schedule: it stores the events the providers' APIs list that were never delivered (README: Missed webhooks)."
  type        = bool
  default     = true
}

variable "reconcile_schedule" {
  description = "When the reconciler runs: an EventBridge Scheduler rate() or cron() expression."
  type        = string
  default     = "rate(15 minutes)"
}

variable "reconcile_window" {
  description = "How far back a scheduled reconciliation looks at most (PAYHOOK_RECONCILE_WINDOW, 15m to 720h)."
  type        = string
  default     = "72h"
}

variable "paypal_confirm" {
  description = "The processor confirms each PayPal delivery with PayPal's API before acting on it (PAYHOOK_PAYPAL_CONFIRM), when PayPal's API credentials are in the API credentials' secret."
  type        = bool
  default     = true
}

variable "checkout_confirm" {
  description = "The processor confirms each Checkout.com delivery with Checkout.com's API before acting on it (PAYHOOK_CHECKOUT_CONFIRM), when a Checkout.com access key is in the API credentials' secret."
  type        = bool
  default     = true
}

variable "gocardless_amounts" {
  description = "The processor reads each GoCardless payment's amount from GoCardless's API (PAYHOOK_GOCARDLESS_AMOUNTS), when GoCardless's access token is in the API credentials' secret; otherwise the amount is unknown."
  type        = bool
  default     = true
}

variable "event_destinations" {
  description = "Your HTTPS endpoints that receive the canonical payment events as signed Standard Webhooks messages, each with its name, url and event_types (all when empty); they need event_bus_enabled (the README's Receive payment events in your app)."
  type = list(object({
    name        = string
    url         = string
    event_types = optional(list(string), [])
  }))
  default = []
}

variable "deploy_branch" {
  description = "The branch whose deploy workflow plans and deploys the environment."
  type        = string
  default     = "main"
}

variable "pull_request_plan_environment" {
  description = "The protected GitHub environment in which pull requests plan the environment; null lets any pull request plan it."
  type        = string
  default     = null
}
