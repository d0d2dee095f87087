# What an AWS account holds once, whatever environments it runs: GitHub's
# OIDC provider, API Gateway's logging role, X-Ray's encryption, and IAM
# Access Analyzer with its findings routed to an environment's alert topic.
# An administrator applies it once per account (and region), before any
# environment; no CI role may change it.
data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition
  name       = "${var.name_prefix}-account"
  tags       = merge(var.tags, { Application = var.name_prefix, Environment = "account" })

  # The environment's topic, by its name: the pipeline's topic admits this
  # root's rule and alarms by theirs (webhook-pipeline's queues.tf).
  alert_topic_arn = "arn:${local.partition}:sns:${local.region}:${local.account_id}:${var.name_prefix}-${var.alert_environment}-alerts"
}

# GitHub Actions' tokens, which every environment's CI roles trust.
resource "aws_iam_openid_connect_provider" "github" {
  count          = var.github_oidc_provider ? 1 : 0
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
  tags           = local.tags
}

# API Gateway writes access logs with one account-wide role per region. A
# new account has none, and creating a stage with access logs then fails.
resource "aws_iam_role" "api_gateway_logs" {
  count = var.api_gateway_logging ? 1 : 0
  name  = "${var.name_prefix}-apigateway-logs-${local.region}"
  path  = "/${local.name}/"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "apigateway.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
  # The AWS managed policy is also the boundary: the role can never do more.
  permissions_boundary = local.api_gateway_logs_policy_arn
  tags                 = local.tags
}

resource "aws_iam_role_policy_attachment" "api_gateway_logs" {
  count      = var.api_gateway_logging ? 1 : 0
  role       = aws_iam_role.api_gateway_logs[0].name
  policy_arn = local.api_gateway_logs_policy_arn
}

resource "aws_api_gateway_account" "this" {
  count               = var.api_gateway_logging ? 1 : 0
  cloudwatch_role_arn = aws_iam_role.api_gateway_logs[0].arn
  depends_on          = [aws_iam_role_policy_attachment.api_gateway_logs]
}

locals {
  api_gateway_logs_policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}
