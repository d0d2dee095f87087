output "github_oidc_provider_arn" {
  description = "GitHub's OIDC provider, which every environment's CI roles trust."
  value       = "arn:${local.partition}:iam::${local.account_id}:oidc-provider/token.actions.githubusercontent.com"
}

output "api_gateway_logging_role_arn" {
  description = "The role API Gateway writes access logs with in this region, when this root sets it (api_gateway_logging)."
  value       = var.api_gateway_logging ? aws_api_gateway_account.this[0].cloudwatch_role_arn : null
}

output "xray_encryption_key_arn" {
  description = "The key X-Ray encrypts the account's traces with in this region: reading traces needs kms:Decrypt on it."
  value       = aws_kms_key.account.arn
}

output "access_findings" {
  description = "Where IAM Access Analyzer's findings go: the analyzer (null when the account has its own), the rule on the default bus, the alert topic, and the dead-letter queue, for review and tests."
  value = {
    analyzer_arn   = var.access_analyzer ? aws_accessanalyzer_analyzer.external_access[0].arn : null
    rule_name      = aws_cloudwatch_event_rule.access_findings.name
    rule_arn       = "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${aws_cloudwatch_event_rule.access_findings.name}"
    event_pattern  = jsondecode(aws_cloudwatch_event_rule.access_findings.event_pattern)
    alert_topic    = aws_cloudwatch_event_target.access_findings.arn
    dead_letter    = aws_cloudwatch_event_target.access_findings.dead_letter_config[0].arn
    dead_letter_id = aws_sqs_queue.access_findings_dlq.name
  }
}

output "key_policy" {
  description = "The account key's policy statements, for review and tests."
  value       = local.key_policy
}
