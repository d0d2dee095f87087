mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
  }
  mock_data "aws_region" {
    defaults = { region = "ap-southeast-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}

run "dev" {
  command = plan

  assert {
    condition     = module.pipeline.protection.table_deletion_protection == false
    error_message = "dev: table deletion protection must be false."
  }
  assert {
    condition     = module.pipeline.protection.log_retention_days == 14 && alltrue([for f in module.pipeline.functions : f.configuration.log_retention_days == 14])
    error_message = "dev: logs are kept 14 days."
  }
  assert {
    condition     = module.pipeline.protection.point_in_time_recovery && module.pipeline.protection.key_rotation
    error_message = "Every environment has point-in-time recovery and key rotation."
  }
  assert {
    condition     = keys(output.webhook_urls) == ["paypal", "square", "standard", "stripe"]
    error_message = "Every provider gets a webhook URL."
  }
  assert {
    condition     = module.pipeline.table_name == "payhook-dev"
    error_message = "Names carry the environment suffix."
  }
}
