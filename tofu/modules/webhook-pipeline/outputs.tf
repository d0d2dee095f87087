output "webhook_urls" {
  description = "Where each provider delivers (providers.tf.json lists them): register each URL with its provider."
  value       = { for p in local.providers : p => "${aws_api_gateway_stage.this.invoke_url}/webhook/${p}" }
}

output "webhook_base_url" {
  description = "The URLs above without the provider: payhook smoke --url."
  value       = "${aws_api_gateway_stage.this.invoke_url}/webhook"
}

output "region" {
  description = "The region everything is in."
  value       = local.region
}

output "table_name" {
  description = "The DynamoDB table (payhook events --table)."
  value       = aws_dynamodb_table.this.name
}

output "provider_secret_arn" {
  description = "Put the providers' webhook keys here (provider_secret_fields.webhook_keys; README: Deploy to AWS). Its name is the table's followed by /providers, where payhook smoke looks by default. Only the receiver and payhook smoke read it."
  value       = aws_secretsmanager_secret.providers.arn
}

output "provider_api_secret_arn" {
  description = "Put the providers' API credentials here (provider_secret_fields.api_credentials): the table's name followed by /provider-apis. Only the processor (when it confirms PayPal deliveries) and the reconciler read it."
  value       = aws_secretsmanager_secret.provider_apis.arn
}

output "provider_secret_fields" {
  description = "Which fields go in which secret, from the provider registry: webhook_keys in provider_secret_arn, api_credentials in provider_api_secret_arn."
  value       = { webhook_keys = local.provider_signing_settings, api_credentials = local.provider_api_settings }
}

output "dlq_urls" {
  description = "The dead-letter queues (payhook redrive --all --dlq-url)."
  value       = { for k, q in local.dlqs : k => q.url }
}

output "alert_topic_arn" {
  description = "Subscribe people or a pager to this topic."
  value       = aws_sns_topic.alerts.arn
}

output "kms_key_arn" {
  description = "The key encrypting everything."
  value       = aws_kms_key.this.arn
}

output "event_bus_name" {
  description = "The EventBridge bus with canonical payment events, when enabled."
  value       = var.event_bus_enabled ? aws_cloudwatch_event_bus.events[0].name : null
}

output "functions" {
  description = "Each function's name, role, settings, policy statements and policy size (as IAM counts it: at most 10,240 per role), for review and tests."
  value = { for name, f in local.function_modules :
  name => { name = f.function_name, role = f.role_name, configuration = f.configuration, statements = f.policy_statements, policy_size = f.policy_size } }
}

output "event_destinations" {
  description = "Each event destination's secret (put its whsec_ signing secrets there: the README's Receive payment events in your app), queue, dead-letter queue and rule."
  value = { for name in keys(local.forward) : name => {
    secret_arn = aws_secretsmanager_secret.forward[name].arn
    queue_arn  = aws_sqs_queue.forward[name].arn
    queue_url  = aws_sqs_queue.forward[name].url
    dlq_arn    = aws_sqs_queue.forward_dlq[name].arn
    dlq_url    = aws_sqs_queue.forward_dlq[name].url
    rule_name  = aws_cloudwatch_event_rule.forward[name].name
  } }
}

output "reconciliation" {
  description = "The reconciler function, the providers it reconciles (those whose API credentials are in the API credentials' secret), its schedule, the schedule's role and policy statements, and the schedule's dead-letter queue; null when reconcile_enabled is false."
  value = var.reconcile_enabled ? {
    function_name       = module.reconciler[0].function_name
    providers           = local.reconciled_providers
    schedule_name       = aws_scheduler_schedule.reconcile[0].name
    schedule_expression = aws_scheduler_schedule.reconcile[0].schedule_expression
    schedule_role       = var.schedule_role.name
    schedule_statements = local.reconcile_schedule_statements
    schedule_dlq_url    = aws_sqs_queue.reconcile_schedule_dlq[0].url
  } : null
}

output "api_deployment" {
  description = "What redeploys the stage: a hash of the resources, the method and its integration with all their settings, for review and tests."
  value       = { redeploy = aws_api_gateway_deployment.this.triggers.redeploy }
}

output "protection" {
  description = "How the data is protected, for review and tests."
  value = {
    table_deletion_protection = aws_dynamodb_table.this.deletion_protection_enabled
    point_in_time_recovery    = aws_dynamodb_table.this.point_in_time_recovery[0].enabled
    key_rotation              = aws_kms_key.this.enable_key_rotation
    log_retention_days        = var.log_retention_days
    reserved_concurrency      = local.reserved_total
    reserved_in_account       = local.reserved_in_account
  }
}
