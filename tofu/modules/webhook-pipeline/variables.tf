variable "name_prefix" {
  description = "First part of every name."
  type        = string
  default     = "payhook"
}

variable "environment_suffix" {
  description = "Last part of every name: dev, staging, prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9-]{2,16}$", var.environment_suffix))
    error_message = "Use 2 to 16 lowercase letters, digits or dashes."
  }
}

variable "lambda_zip_dir" {
  description = "Directory with receiver.zip, processor.zip and auditor.zip (nix build .#lambdas)."
  type        = string
}

variable "deletion_protection" {
  description = "Protect the table (and the key) from deletion."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "How long function and API access logs are kept; the audit trail lives in the auditor's."
  type        = number
  default     = 30
}

variable "dlq_retention_seconds" {
  description = "How long dead letters are kept (the SQS maximum, 14 days)."
  type        = number
  default     = 1209600
}

variable "api_throttle_rate" {
  description = "API Gateway steady-state requests per second."
  type        = number
  default     = 1000
}

variable "api_throttle_burst" {
  description = "API Gateway burst."
  type        = number
  default     = 2000
}

variable "waf_rate_limit" {
  description = "Requests per source IP per waf_rate_window_seconds before WAF blocks (600 per 60 s is 10 per second)."
  type        = number
  default     = 600
}

variable "waf_rate_window_seconds" {
  description = "The window of the per-IP rate rule."
  type        = number
  default     = 60
}

variable "provider_source_cidrs" {
  description = "Payment providers' published source ranges (IPv4 CIDRs). A provider sends from few addresses, so these are exempt from the per-IP limit and get provider_rate_limit instead."
  type        = list(string)
  default     = []
}

variable "provider_rate_limit" {
  description = "Requests per provider source IP per waf_rate_window_seconds."
  type        = number
  default     = 60000
}

variable "receiver" {
  description = "The receiver function's sizing."
  type = object({
    timeout              = number
    reserved_concurrency = number
    memory_size          = number
  })
  default = { timeout = 30, reserved_concurrency = 100, memory_size = 256 }
}

variable "processor" {
  description = "The processor function's sizing."
  type = object({
    timeout              = number
    reserved_concurrency = number
    memory_size          = number
  })
  default = { timeout = 300, reserved_concurrency = 50, memory_size = 512 }
}

variable "auditor" {
  description = "The auditor function's sizing."
  type = object({
    timeout              = number
    reserved_concurrency = number
    memory_size          = number
  })
  default = { timeout = 60, reserved_concurrency = 10, memory_size = 256 }
}

variable "stream_max_retries" {
  description = "Retries of a failing stream batch before it goes to the on-failure destination."
  type        = number
  default     = 10
}

variable "event_bus_enabled" {
  description = "Create an EventBridge bus and publish every canonical payment event to it."
  type        = bool
  default     = false
}

variable "critical_event_types" {
  description = "Canonical event types that raise an SNS alert."
  type        = list(string)
  default     = ["dispute.opened", "payment.failed"]
}

variable "paypal_sandbox" {
  description = "Also trust PayPal's sandbox certificate hosts (never in production)."
  type        = bool
  default     = false
}

variable "rejected_signatures_threshold" {
  description = "Rejected signatures in 5 minutes that raise the alarm: a forgery attempt, or a secret rotated at the provider but not here."
  type        = number
  default     = 20
}

variable "api_5xx_threshold" {
  description = "API 5XX responses in 5 minutes that raise the alarm."
  type        = number
  default     = 5
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
