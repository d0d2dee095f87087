# API Gateway writes access logs with one account-wide role per region. A
# new account has none, and creating a stage with access logs then fails.
# Only one environment per account and region sets it
# (manage_api_gateway_account); the deploy role cannot change it.
resource "aws_iam_role" "api_gateway_logs" {
  count = var.manage_api_gateway_account ? 1 : 0
  name  = "${var.name_prefix}-apigateway-logs-${local.region}"
  path  = "/${var.name_prefix}-account/"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "apigateway.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
  # The AWS managed policy is also the boundary: the role can never do more.
  permissions_boundary = local.api_gateway_logs_policy_arn
  tags                 = local.tags
}

resource "aws_iam_role_policy_attachment" "api_gateway_logs" {
  count      = var.manage_api_gateway_account ? 1 : 0
  role       = aws_iam_role.api_gateway_logs[0].name
  policy_arn = local.api_gateway_logs_policy_arn
}

resource "aws_api_gateway_account" "this" {
  count               = var.manage_api_gateway_account ? 1 : 0
  cloudwatch_role_arn = aws_iam_role.api_gateway_logs[0].arn
  depends_on          = [aws_iam_role_policy_attachment.api_gateway_logs]
}

locals {
  api_gateway_logs_policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}
