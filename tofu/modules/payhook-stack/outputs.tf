output "webhook_urls" {
  description = "Register these with each provider."
  value       = module.pipeline.webhook_urls
}

output "table_name" {
  description = "payhook events --table <this>."
  value       = module.pipeline.table_name
}

output "region" {
  description = "The environment's region: --region for payhook's commands."
  value       = module.pipeline.region
}

output "provider_secret_arn" {
  description = "Put the providers' webhook keys here (README: Deploy to AWS); only the receiver and payhook smoke read them."
  value       = module.pipeline.provider_secret_arn
}

output "provider_api_secret_arn" {
  description = "Put the providers' API credentials here (README: Deploy to AWS); only the processor and the reconciler read them."
  value       = module.pipeline.provider_api_secret_arn
}

output "provider_secret_fields" {
  description = "Which settings go in which secret: webhook_keys in provider_secret_arn, api_credentials in provider_api_secret_arn."
  value       = module.pipeline.provider_secret_fields
}

output "dlq_urls" {
  description = "payhook redrive --all --dlq-url <processor>."
  value       = module.pipeline.dlq_urls
}

output "alert_topic_arn" {
  description = "Subscribe people or a pager."
  value       = module.pipeline.alert_topic_arn
}

output "event_bus_name" {
  description = "The EventBridge bus with canonical payment events, when enabled."
  value       = module.pipeline.event_bus_name
}

output "event_destinations" {
  description = "Each event destination's secret (put its whsec_ signing secrets there), queue, dead-letter queue and rule."
  value       = module.pipeline.event_destinations
}

output "reconciliation" {
  description = "The reconciler function, its schedule and the schedule's dead-letter queue; null when reconciliation is off."
  value       = module.pipeline.reconciliation
}

output "smoke" {
  description = "The arguments of payhook smoke against this environment; the deploy workflow runs it after each apply."
  value = {
    url    = module.pipeline.webhook_base_url
    table  = module.pipeline.table_name
    region = module.pipeline.region
    secret = module.pipeline.provider_secret_arn
  }
}

output "github" {
  description = "What to set in GitHub: the Actions variables (repository and environment ones), and the subject claim keys the repository's OIDC tokens must carry."
  value = {
    variables          = module.github.github_actions_variables
    subject_claim_keys = module.github.github_subject_claim_keys
  }
}

output "review" {
  description = "The functions' settings and statements, the data's protection, the roles an administrator's apply creates, the CI roles' policies and their sizes, and what redeploys the API, for review and tests."
  value = {
    functions      = module.pipeline.functions
    protection     = module.pipeline.protection
    roles          = merge(module.github.function_roles, { reconciler_schedule = module.github.schedule_role })
    policies       = module.github.policies
    policy_sizes   = module.github.policy_sizes
    api_deployment = module.pipeline.api_deployment
  }
}
