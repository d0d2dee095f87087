resource "aws_api_gateway_rest_api" "this" {
  name        = local.name
  description = "payhook: POST /webhook/{provider}"
  endpoint_configuration {
    types = ["REGIONAL"]
  }
  tags = local.tags
}

resource "aws_api_gateway_resource" "webhook" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = "webhook"
}

resource "aws_api_gateway_resource" "provider" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.webhook.id
  path_part   = "{provider}"
}

# ANY, not POST: the receiver itself answers 405 for other methods, as the
# HTTP contract says, instead of API Gateway's 403.
resource "aws_api_gateway_method" "webhook" {
  rest_api_id        = aws_api_gateway_rest_api.this.id
  resource_id        = aws_api_gateway_resource.provider.id
  http_method        = "ANY"
  authorization      = "NONE"
  request_parameters = { "method.request.path.provider" = true }
}

resource "aws_api_gateway_integration" "webhook" {
  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = aws_api_gateway_resource.provider.id
  http_method             = aws_api_gateway_method.webhook.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = module.receiver.invoke_arn
  timeout_milliseconds    = 29000
}

locals {
  api_snapshot = sha1(jsonencode([aws_api_gateway_resource.webhook, aws_api_gateway_resource.provider, aws_api_gateway_method.webhook, aws_api_gateway_integration.webhook]))
}

resource "aws_lambda_permission" "api" {
  statement_id  = "AllowAPIGatewayInvoke"
  action        = "lambda:InvokeFunction"
  function_name = module.receiver.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/*/*/webhook/*"
}

# A deployment is a snapshot of the API: the stage serves it until the next
# one. It is redeployed whenever anything it snapshots changes, the
# resources, the method or its integration with every setting (a new
# receiver's ARN, a timeout), not only their ids, which an update in place
# keeps.
resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  triggers = {
    redeploy = local.api_snapshot
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/aws/apigateway/${local.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
  tags              = local.tags
}

resource "aws_api_gateway_stage" "this" {
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.environment_suffix
  xray_tracing_enabled = true

  # Access logs hold ids, status and timing: never bodies or headers.
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId = "$context.requestId", ip = "$context.identity.sourceIp", time = "$context.requestTime",
      method    = "$context.httpMethod", path = "$context.path", status = "$context.status",
      latencyMs = "$context.responseLatency", integrationStatus = "$context.integration.status", waf = "$context.waf.status"
    })
  }
  tags = local.tags

  # Access logs need the account's CloudWatch Logs role, which the account
  # root (envs/account) sets before any environment is applied.
}

resource "aws_api_gateway_method_settings" "all" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"
  settings {
    throttling_rate_limit  = var.api_throttle_rate
    throttling_burst_limit = var.api_throttle_burst
    metrics_enabled        = true
  }
}
