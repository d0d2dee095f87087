output "function_name" {
  description = "The function's name."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "The function's ARN."
  value       = aws_lambda_function.this.arn
}

output "invoke_arn" {
  description = "The ARN API Gateway invokes."
  value       = aws_lambda_function.this.invoke_arn
}

output "role_name" {
  description = "The execution role's name."
  value       = var.role.name
}

output "role_arn" {
  description = "The execution role's ARN."
  value       = var.role.arn
}

output "policy_size" {
  description = "The execution role's inline policy, as IAM counts it (whitespace removed): at most 10,240."
  value       = local.policy_size
}

output "log_group_name" {
  description = "The function's log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "policy_statements" {
  description = "Every statement of the execution role's policy, for review and tests."
  value       = local.statements
}

output "configuration" {
  description = "The settings that matter for review and tests: limits, runtime, tracing, environment (names of things, never secrets) and encryption."
  value = {
    timeout              = aws_lambda_function.this.timeout
    memory_size          = aws_lambda_function.this.memory_size
    reserved_concurrency = aws_lambda_function.this.reserved_concurrent_executions
    runtime              = aws_lambda_function.this.runtime
    architectures        = aws_lambda_function.this.architectures
    tracing_mode         = aws_lambda_function.this.tracing_config[0].mode
    environment          = var.environment
    environment_kms_key  = aws_lambda_function.this.kms_key_arn
    log_group_kms_key    = aws_cloudwatch_log_group.this.kms_key_id
    log_retention_days   = aws_cloudwatch_log_group.this.retention_in_days
    source_code_hash     = aws_lambda_function.this.source_code_hash
    role                 = var.role.name
  }
}
