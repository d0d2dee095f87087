locals {
  # payhook smoke writes webhooks whose event ids start with this (the
  # EventIDPrefix constant in shared/smoke), and removes them afterwards.
  smoke_event_id_prefix = "payhook-smoke-"

  # Each environment's state is under its own prefix; no role of one
  # environment can read or write another's.
  state_read = [
    { Sid = "ListOwnState", Effect = "Allow", Action = ["s3:ListBucket"], Resource = [local.arn.state], Condition = { StringLike = { "s3:prefix" = ["${local.state_prefix}*"] } } },
    { Sid = "ReadOwnState", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["${local.arn.state}/${local.state_prefix}*"] },
  ]

  # What the plan's data sources read. Service Quotas' reads name no
  # resource.
  data_source_reads = [
    { Sid = "ReadTheLambdaQuota", Effect = "Allow", Action = ["servicequotas:GetServiceQuota", "servicequotas:GetAWSDefaultServiceQuota"], Resource = ["*"] },
  ]

  # Plans compare the configuration with the state as last applied
  # (tofu plan -refresh=false -lock=false): a refresh would need
  # lambda:GetFunction, which also hands out the functions' code, and a
  # plan takes no lock, so a pull request cannot break a running apply's.
  plan_statements = concat(local.state_read, local.data_source_reads)

  # Every action named; resources are the environment's own, by name, by
  # tag where AWS generates the ids, and by region and account always.
  deploy_statements = concat(local.state_read, local.data_source_reads, [
    { Sid = "WriteOwnState", Effect = "Allow", Action = ["s3:PutObject"], Resource = ["${local.arn.state}/${local.state_prefix}*"] },
    { Sid = "UnlockOwnState", Effect = "Allow", Action = ["s3:DeleteObject"], Resource = ["${local.arn.state}/${local.state_prefix}*.tflock"] },

    { Sid = "Table", Effect = "Allow", Resource = [local.arn.table], Action = [
      "dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:DescribeTable", "dynamodb:UpdateTable", "dynamodb:DescribeContinuousBackups",
      "dynamodb:UpdateContinuousBackups", "dynamodb:DescribeTimeToLive", "dynamodb:UpdateTimeToLive", "dynamodb:TagResource", "dynamodb:UntagResource",
    "dynamodb:ListTagsOfResource"] },
    { Sid = "Queues", Effect = "Allow", Resource = [local.arn.queue], Action = [
      "sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes", "sqs:GetQueueUrl", "sqs:TagQueue", "sqs:UntagQueue",
    "sqs:ListQueueTags"] },
    { Sid = "Topic", Effect = "Allow", Resource = [local.arn.topic], Action = [
      "sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource",
    "sns:ListTagsForResource"] },
    # X-Ray's resource policies name no resource.
    { Sid = "TopicTracing", Effect = "Allow", Resource = ["*"], Action = ["xray:PutResourcePolicy", "xray:DeleteResourcePolicy", "xray:ListResourcePolicies"] },
    { Sid = "Functions", Effect = "Allow", Resource = [local.arn.function], Action = [
      "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:UpdateFunctionCode",
      "lambda:UpdateFunctionConfiguration", "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency", "lambda:GetFunctionConcurrency",
      "lambda:AddPermission", "lambda:RemovePermission", "lambda:GetPolicy", "lambda:ListVersionsByFunction", "lambda:TagResource",
    "lambda:UntagResource", "lambda:ListTags", "lambda:GetFunctionCodeSigningConfig"] },
    # Event source mappings get random ids: Lambda scopes their writes by
    # the function they invoke. Reading them names no resource.
    { Sid = "CreateMappingsForOwnFunctions", Effect = "Allow", Resource = ["*"], Action = ["lambda:CreateEventSourceMapping"],
    Condition = { ArnLike = { "lambda:FunctionArn" = local.arn.function } } },
    { Sid = "ChangeMappingsOfOwnFunctions", Effect = "Allow", Resource = [local.arn.mapping], Action = ["lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping"],
    Condition = { ArnLike = { "lambda:FunctionArn" = local.arn.function } } },
    { Sid = "ReadMappings", Effect = "Allow", Resource = ["*"], Action = ["lambda:GetEventSourceMapping", "lambda:ListEventSourceMappings"] },
    { Sid = "ReadMappingTags", Effect = "Allow", Resource = [local.arn.mapping], Action = ["lambda:ListTags"] },

    # Roles under the environment's path only, and only with its boundary.
    { Sid = "CreateBoundedRoles", Effect = "Allow", Resource = [local.arn.workload_roles], Action = [
      "iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary"],
    Condition = { StringEquals = { "iam:PermissionsBoundary" = aws_iam_policy.boundary.arn } } },
    { Sid = "ManageBoundedRoles", Effect = "Allow", Resource = [local.arn.workload_roles], Action = [
      "iam:DeleteRole", "iam:GetRole", "iam:GetRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole", "iam:TagRole", "iam:UntagRole"] },
    { Sid = "PassRolesToLambdaOnly", Effect = "Allow", Resource = [local.arn.workload_roles], Action = ["iam:PassRole"],
    Condition = { StringEquals = { "iam:PassedToService" = "lambda.amazonaws.com" } } },
    # ...and the reconciler schedule's role, alone, to EventBridge Scheduler.
    { Sid = "PassTheScheduleRoleToSchedulerOnly", Effect = "Allow", Resource = [local.arn.schedule_role], Action = ["iam:PassRole"],
    Condition = { StringEquals = { "iam:PassedToService" = "scheduler.amazonaws.com" } } },
    # The CI roles, the boundaries and the account-wide settings are read at
    # every plan and changed only by an administrator.
    { Sid = "ReadCIAndAccountRoles", Effect = "Allow", Resource = [local.arn.ci_roles, local.arn.account_roles], Action = [
    "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"] },
    { Sid = "ReadTheBoundary", Effect = "Allow", Resource = [local.arn.boundary], Action = ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"] },
    { Sid = "ReadTheOIDCProvider", Effect = "Allow", Resource = [local.arn.oidc_provider], Action = ["iam:GetOpenIDConnectProvider"] },
    { Sid = "ReadAPIGatewayAccount", Effect = "Allow", Resource = ["${local.arn.apigw}/account"], Action = ["apigateway:GET"] },

    { Sid = "Logs", Effect = "Allow", Resource = [
      "${local.arn.log_group}/aws/lambda/${local.name}-*", "${local.arn.log_group}/aws/apigateway/${local.name}",
      "${local.arn.log_group}/aws/apigateway/${local.name}:*"], Action = [
      "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey",
      "logs:PutMetricFilter", "logs:DeleteMetricFilter", "logs:DescribeMetricFilters", "logs:TagResource", "logs:UntagResource",
    "logs:ListTagsForResource"] },
    { Sid = "DescribeLogGroups", Effect = "Allow", Resource = ["${local.arn.log_group}*"], Action = ["logs:DescribeLogGroups"] },
    { Sid = "Secret", Effect = "Allow", Resource = [local.arn.secret], Action = [
      "secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret", "secretsmanager:UpdateSecret",
    "secretsmanager:GetResourcePolicy", "secretsmanager:TagResource", "secretsmanager:UntagResource"] },
    { Sid = "EventBus", Effect = "Allow", Resource = [local.arn.bus], Action = [
    "events:CreateEventBus", "events:UpdateEventBus", "events:DeleteEventBus", "events:DescribeEventBus", "events:TagResource", "events:UntagResource", "events:ListTagsForResource"] },
    # The event destinations' rules and their queue targets, on the
    # environment's buses: an SQS target takes no role to pass.
    { Sid = "EventRules", Effect = "Allow", Resource = [local.arn.rule], Action = [
      "events:PutRule", "events:DeleteRule", "events:DescribeRule", "events:EnableRule", "events:DisableRule", "events:PutTargets", "events:RemoveTargets",
    "events:ListTargetsByRule", "events:TagResource", "events:UntagResource", "events:ListTagsForResource"] },
    # Schedules carry no tags: they are the environment's by name, in the
    # default group. Creating or updating one also passes its role (above).
    { Sid = "Schedules", Effect = "Allow", Resource = [local.arn.schedule], Action = [
    "scheduler:CreateSchedule", "scheduler:GetSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"] },
    { Sid = "Alarms", Effect = "Allow", Resource = [local.arn.alarm], Action = [
    "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource"] },
    { Sid = "Dashboard", Effect = "Allow", Resource = [local.arn.dashboard], Action = ["cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"] },

    # KMS keys get random ids: a new key must carry the environment's tags,
    # and an existing one is the environment's by those tags.
    { Sid = "CreateOwnKey", Effect = "Allow", Resource = ["*"], Action = ["kms:CreateKey"],
    Condition = { StringEquals = { "aws:RequestTag/Application" = var.name_prefix, "aws:RequestTag/Environment" = var.environment_suffix } } },
    { Sid = "ListAliases", Effect = "Allow", Resource = ["*"], Action = ["kms:ListAliases"] },
    { Sid = "OwnAlias", Effect = "Allow", Resource = [local.arn.alias, local.arn.key], Action = ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"] },
    { Sid = "ManageOwnKey", Effect = "Allow", Resource = [local.arn.key], Condition = local.own_tags, Action = [
      "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:GetKeyRotationStatus", "kms:EnableKeyRotation", "kms:ScheduleKeyDeletion",
    "kms:TagResource", "kms:UntagResource", "kms:ListResourceTags", "kms:CreateGrant", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"] },

    # API Gateway ids are random too: the REST API must be created with the
    # environment's tags, and its resources, methods, deployments and stages
    # inherit them for access control (API Gateway Developer Guide, "API
    # Gateway resources that can be tagged", read 2026-11-28).
    { Sid = "CreateOwnAPI", Effect = "Allow", Resource = ["${local.arn.apigw}/restapis"], Action = ["apigateway:POST"],
    Condition = { StringEquals = { "aws:RequestTag/Application" = var.name_prefix, "aws:RequestTag/Environment" = var.environment_suffix } } },
    { Sid = "ManageOwnAPI", Effect = "Allow", Resource = ["${local.arn.apigw}/restapis/*", "${local.arn.apigw}/tags/*"], Condition = local.own_tags, Action = [
    "apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"] },
    { Sid = "ProtectOwnStage", Effect = "Allow", Resource = ["${local.arn.apigw}/restapis/*/stages/*"], Condition = local.own_tags, Action = ["apigateway:SetWebACL"] },
    # The web ACL and its IP set are found by name.
    { Sid = "WAF", Effect = "Allow", Resource = [local.arn.webacl, local.arn.ipset], Action = [
      "wafv2:CreateWebACL", "wafv2:DeleteWebACL", "wafv2:GetWebACL", "wafv2:UpdateWebACL", "wafv2:CreateIPSet", "wafv2:DeleteIPSet", "wafv2:GetIPSet",
    "wafv2:UpdateIPSet", "wafv2:ListTagsForResource", "wafv2:TagResource", "wafv2:UntagResource"] },
    { Sid = "AssociateOwnWebACL", Effect = "Allow", Resource = [local.arn.webacl, "${local.arn.apigw}/restapis/*/stages/*"], Action = [
    "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL", "wafv2:GetWebACLForResource"] },

    # payhook smoke, after each deploy: it signs with the deployed keys, and
    # reads and removes only the webhooks it wrote.
    { Sid = "SmokeReadsTheKeys", Effect = "Allow", Resource = [local.arn.secret], Action = ["secretsmanager:GetSecretValue"] },
    { Sid = "SmokeWatchesItsWebhooks", Effect = "Allow", Resource = [local.arn.table], Action = ["dynamodb:GetItem", "dynamodb:DeleteItem"],
    Condition = { "ForAllValues:StringLike" = { "dynamodb:LeadingKeys" = ["WEBHOOK#*#${local.smoke_event_id_prefix}*"] } } },

    # Whatever else is ever allowed: never a role without the boundary,
    # never the boundary itself, the CI roles or the account settings.
    { Sid = "NoRoleWithoutTheBoundary", Effect = "Deny", Resource = ["*"], Action = [
      "iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"],
    Condition = { StringNotEquals = { "iam:PermissionsBoundary" = aws_iam_policy.boundary.arn } } },
    { Sid = "NeverRemoveABoundary", Effect = "Deny", Resource = ["*"], Action = ["iam:DeleteRolePermissionsBoundary"] },
    { Sid = "NeverChangeBoundaries", Effect = "Deny", Resource = [local.arn.boundaries], Action = [
    "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:UntagPolicy"] },
    { Sid = "NeverChangeCIOrAccountRoles", Effect = "Deny", Resource = [local.arn.ci_roles, local.arn.account_roles], Action = local.role_writes },
    { Sid = "NeverChangeTheOIDCProvider", Effect = "Deny", Resource = [local.arn.oidc_provider], Action = [
      "iam:CreateOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint",
    "iam:AddClientIDToOpenIDConnectProvider", "iam:RemoveClientIDFromOpenIDConnectProvider", "iam:TagOpenIDConnectProvider", "iam:UntagOpenIDConnectProvider"] },
  ])

  role_writes = [
    "iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy",
    "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary",
    "iam:TagRole", "iam:UntagRole", "iam:PassRole",
  ]
}
