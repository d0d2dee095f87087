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
  description = "Put the provider keys here (README: Deploy to AWS)."
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
  description = "The functions' settings and statements, the data's protection, the CI roles' policies and the account-wide settings this environment holds, for review and tests."
  value = {
    functions  = module.pipeline.functions
    protection = module.pipeline.protection
    policies   = module.github.policies
    account_settings = {
      api_gateway_logging_role = module.pipeline.api_gateway_logging_role_arn
      github_oidc_provider     = module.github.oidc_provider_created
    }
  }
}
