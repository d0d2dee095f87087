variable "region" {
  description = "AWS region."
  type        = string
  default     = "ap-southeast-1"
}

variable "environment_suffix" {
  description = "Appended to every name."
  type        = string
  default     = "staging"
}

variable "lambda_zip_dir" {
  description = "Where receiver.zip, processor.zip and auditor.zip are: nix build .#lambdas puts them in ./result."
  type        = string
  default     = "../../result"
}

variable "provider_source_cidrs" {
  description = "Payment providers' published source ranges, exempt from the per-IP WAF limit (see the README for where each provider publishes them)."
  type        = list(string)
  default     = []
}

variable "github_repository" {
  description = "owner/name of the repository whose workflows plan and deploy this environment."
  type        = string
  default     = "payhook/payhook"
}

variable "state_bucket" {
  description = "The S3 bucket of the OpenTofu state (the same as -backend-config=bucket=...)."
  type        = string
  default     = "payhook-tofu-state"
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider here; false if another environment in the same account already does."
  type        = bool
  default     = true
}
