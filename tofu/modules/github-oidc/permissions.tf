locals {
  arn = {
    table     = "arn:${local.partition}:dynamodb:*:${local.account_id}:table/${local.name}"
    queue     = "arn:${local.partition}:sqs:*:${local.account_id}:${local.name}-*"
    topic     = "arn:${local.partition}:sns:*:${local.account_id}:${local.name}-*"
    function  = "arn:${local.partition}:lambda:*:${local.account_id}:function:${local.name}-*"
    role      = "arn:${local.partition}:iam::${local.account_id}:role/${local.name}-*"
    log_group = "arn:${local.partition}:logs:*:${local.account_id}:log-group:*${local.name}*"
    secret    = "arn:${local.partition}:secretsmanager:*:${local.account_id}:secret:${local.name}/*"
    bus       = "arn:${local.partition}:events:*:${local.account_id}:event-bus/${local.name}-*"
    alarm     = "arn:${local.partition}:cloudwatch:*:${local.account_id}:alarm:${local.name}-*"
    dashboard = "arn:${local.partition}:cloudwatch::${local.account_id}:dashboard/${local.name}"
  }

  state_statements = [
    { Sid = "ListState", Effect = "Allow", Action = ["s3:ListBucket"], Resource = "arn:${local.partition}:s3:::${var.state_bucket}" },
    { Sid = "ReadState", Effect = "Allow", Action = ["s3:GetObject"], Resource = "arn:${local.partition}:s3:::${var.state_bucket}/payhook/*" },
    { Sid = "LockState", Effect = "Allow", Action = ["s3:PutObject", "s3:DeleteObject"], Resource = "arn:${local.partition}:s3:::${var.state_bucket}/payhook/*.tflock" },
  ]

  # Every action named; resources are payhook's own, by name, except where
  # a service has no resource-level permissions for the action.
  deploy_statements = [
    { Sid = "WriteState", Effect = "Allow", Action = ["s3:PutObject"], Resource = "arn:${local.partition}:s3:::${var.state_bucket}/payhook/*" },
    { Sid = "Table", Effect = "Allow", Resource = local.arn.table, Action = [
      "dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:DescribeTable", "dynamodb:UpdateTable", "dynamodb:DescribeContinuousBackups",
      "dynamodb:UpdateContinuousBackups", "dynamodb:DescribeTimeToLive", "dynamodb:UpdateTimeToLive", "dynamodb:TagResource", "dynamodb:UntagResource",
    "dynamodb:ListTagsOfResource"] },
    { Sid = "Queues", Effect = "Allow", Resource = local.arn.queue, Action = [
      "sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes", "sqs:GetQueueUrl", "sqs:TagQueue", "sqs:UntagQueue",
    "sqs:ListQueueTags"] },
    { Sid = "Topic", Effect = "Allow", Resource = local.arn.topic, Action = [
      "sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource",
    "sns:ListTagsForResource"] },
    { Sid = "Functions", Effect = "Allow", Resource = local.arn.function, Action = [
      "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:UpdateFunctionCode",
      "lambda:UpdateFunctionConfiguration", "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency", "lambda:GetFunctionConcurrency",
      "lambda:AddPermission", "lambda:RemovePermission", "lambda:GetPolicy", "lambda:ListVersionsByFunction", "lambda:TagResource",
    "lambda:UntagResource", "lambda:ListTags", "lambda:GetFunctionCodeSigningConfig"] },
    { Sid = "EventSourceMappings", Effect = "Allow", Resource = "*", Action = [
      "lambda:CreateEventSourceMapping", "lambda:DeleteEventSourceMapping", "lambda:GetEventSourceMapping", "lambda:UpdateEventSourceMapping",
    "lambda:ListEventSourceMappings"] },
    { Sid = "Roles", Effect = "Allow", Resource = local.arn.role, Action = [
      "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy",
      "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:TagRole", "iam:UntagRole",
    "iam:PassRole"] },
    { Sid = "Logs", Effect = "Allow", Resource = local.arn.log_group, Action = [
      "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey",
      "logs:PutMetricFilter", "logs:DeleteMetricFilter", "logs:DescribeMetricFilters", "logs:TagResource", "logs:UntagResource",
    "logs:ListTagsForResource"] },
    { Sid = "DescribeLogs", Effect = "Allow", Resource = "*", Action = ["logs:DescribeLogGroups"] },
    { Sid = "Secret", Effect = "Allow", Resource = local.arn.secret, Action = [
      "secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret", "secretsmanager:UpdateSecret",
    "secretsmanager:GetResourcePolicy", "secretsmanager:TagResource", "secretsmanager:UntagResource"] },
    { Sid = "EventBus", Effect = "Allow", Resource = local.arn.bus, Action = [
    "events:CreateEventBus", "events:DeleteEventBus", "events:DescribeEventBus", "events:TagResource", "events:UntagResource", "events:ListTagsForResource"] },
    { Sid = "Alarms", Effect = "Allow", Resource = local.arn.alarm, Action = [
    "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource"] },
    { Sid = "DescribeAlarms", Effect = "Allow", Resource = "*", Action = ["cloudwatch:DescribeAlarms"] },
    { Sid = "Dashboard", Effect = "Allow", Resource = local.arn.dashboard, Action = ["cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"] },
    # KMS keys get random ids; creation cannot be scoped, use is by alias tag.
    { Sid = "CreateKey", Effect = "Allow", Resource = "*", Action = ["kms:CreateKey", "kms:CreateAlias", "kms:DeleteAlias", "kms:ListAliases"] },
    { Sid = "ManageOwnKey", Effect = "Allow", Resource = "arn:${local.partition}:kms:*:${local.account_id}:key/*", Action = [
      "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:GetKeyRotationStatus", "kms:EnableKeyRotation", "kms:ScheduleKeyDeletion",
      "kms:TagResource", "kms:UntagResource", "kms:ListResourceTags", "kms:CreateGrant", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
    Condition = { StringEquals = { "aws:ResourceTag/Application" = var.name_prefix, "aws:ResourceTag/Environment" = var.environment_suffix } } },
    # API Gateway and WAF ids are random too; their actions are scoped by region.
    { Sid = "API", Effect = "Allow", Resource = "arn:${local.partition}:apigateway:*::/*", Action = [
    "apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE", "apigateway:SetWebACL"] },
    { Sid = "WAF", Effect = "Allow", Resource = "*", Action = [
      "wafv2:CreateWebACL", "wafv2:DeleteWebACL", "wafv2:GetWebACL", "wafv2:UpdateWebACL", "wafv2:CreateIPSet", "wafv2:DeleteIPSet", "wafv2:GetIPSet",
      "wafv2:UpdateIPSet", "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL", "wafv2:GetWebACLForResource", "wafv2:ListTagsForResource",
    "wafv2:TagResource", "wafv2:UntagResource"] },
    { Sid = "Identity", Effect = "Allow", Resource = "*", Action = ["sts:GetCallerIdentity"] },
  ]
}
