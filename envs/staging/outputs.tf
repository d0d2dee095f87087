output "webhook_urls" {
  description = "Register these with each provider."
  value       = module.pipeline.webhook_urls
}

output "table_name" {
  description = "payhook events --table <this>."
  value       = module.pipeline.table_name
}

output "provider_secret_arn" {
  description = "Put the provider keys here."
  value       = module.pipeline.provider_secret_arn
}

output "dlq_urls" {
  description = "payhook redrive --all --dlq-url <processor>."
  value       = module.pipeline.dlq_urls
}

output "alert_topic_arn" {
  description = "Subscribe people or a pager."
  value       = module.pipeline.alert_topic_arn
}

output "github_plan_role_arn" {
  description = "Repository variable AWS_PLAN_ROLE_ARN for this environment."
  value       = module.github.plan_role_arn
}

output "github_deploy_role_arn" {
  description = "Repository variable AWS_DEPLOY_ROLE_ARN for this environment."
  value       = module.github.deploy_role_arn
}
