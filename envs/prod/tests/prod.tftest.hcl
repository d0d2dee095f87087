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

run "prod" {
  command = plan

  assert {
    condition     = module.pipeline.protection.table_deletion_protection == true
    error_message = "prod: table deletion protection must be true."
  }
  assert {
    condition     = module.pipeline.protection.log_retention_days == 365 && alltrue([for f in module.pipeline.functions : f.configuration.log_retention_days == 365])
    error_message = "prod: logs are kept 365 days."
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
    condition     = module.pipeline.table_name == "payhook-prod"
    error_message = "Names carry the environment suffix."
  }
}
