resource "aws_lambda_function" "this" {
  function_name                  = var.name
  description                    = var.description
  role                           = var.role.arn
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = ["arm64"]
  filename                       = var.zip_path
  source_code_hash               = filebase64sha256(var.zip_path)
  timeout                        = var.timeout
  memory_size                    = var.memory_size
  reserved_concurrent_executions = coalesce(var.reserved_concurrency, -1) # -1: unreserved
  kms_key_arn                    = var.kms_key_arn

  environment {
    variables = var.environment
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text" # payhook writes its own JSON lines
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.this]

  lifecycle {
    # Lambda refuses environment variables over 4 KB together, and only
    # says so at apply, with what came before already applied.
    precondition {
      condition     = length(jsonencode(var.environment)) <= 4096
      error_message = "${var.name}'s environment variables take ${length(jsonencode(var.environment))} bytes as JSON; Lambda allows 4 KB."
    }
  }
}
