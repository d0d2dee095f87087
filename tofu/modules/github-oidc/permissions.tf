locals {
  # payhook smoke writes webhooks whose event ids start with this (the
  # EventIDPrefix constant in shared/smoke), and removes them afterwards.
  smoke_event_id_prefix = "payhook-smoke-"

  # The tags the pipeline sets on everything: the key, the REST API and its
  # stage are found by them, and a new key or API must carry them.
  request_tags = { StringEquals = { "aws:RequestTag/Application" = var.name_prefix, "aws:RequestTag/Environment" = var.environment_suffix } }

  # Each environment's state is under its own prefix; no role of one
  # environment can read or write another's.
  state_read = [
    { Sid = "ListOwnState", Effect = "Allow", Action = ["s3:ListBucket"], Resource = [local.arn.state], Condition = { StringLike = { "s3:prefix" = ["${local.state_prefix}*"] } } },
    { Sid = "ReadOwnState", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["${local.arn.state}/${local.state_prefix}*"] },
  ]

  # What the plan's data sources read: the Lambda quota (Service Quotas'
  # reads name no resource) and what every environment in the account
  # reserves of it.
  data_source_reads = [
    { Sid = "ReadTheLambdaQuota", Effect = "Allow", Action = ["servicequotas:GetServiceQuota", "servicequotas:GetAWSDefaultServiceQuota"], Resource = ["*"] },
    { Sid = "ReadTheAccountsReservations", Effect = "Allow", Action = ["ssm:GetParametersByPath"], Resource = [local.arn.reservations] },
  ]

  # Plans compare the configuration with the state as last applied
  # (tofu plan -refresh=false -lock=false): a refresh would need
  # lambda:GetFunction, which also hands out the functions' code, and a
  # plan takes no lock, so a pull request cannot break a running apply's.
  plan_statements = concat(local.state_read, local.data_source_reads)

  # The deploy role's permissions, in managed policies of at most 6,144
  # characters each (sizes.tf). Every action named; resources are the
  # environment's own, by name, by tag where AWS generates the ids, and by
  # region and account always.
  deploy_policies = {
    # The state, the function roles' policies, and every guard.
    state-and-iam = concat(local.state_read, local.data_source_reads, [
      { Sid = "WriteOwnState", Effect = "Allow", Resource = ["${local.arn.state}/${local.state_prefix}*"], Action = ["s3:PutObject"] },
      { Sid = "UnlockOwnState", Effect = "Allow", Resource = ["${local.arn.state}/${local.state_prefix}*.tflock"], Action = ["s3:DeleteObject"] },

      # The function roles are the administrator's (function_roles.tf):
      # the deploy role writes their policies, while they carry the boundary.
      { Sid = "WriteFunctionRolePolicies", Effect = "Allow", Resource = [local.arn.workload_roles], Action = ["iam:PutRolePolicy", "iam:DeleteRolePolicy"],
      Condition = { StringEquals = { "iam:PermissionsBoundary" = aws_iam_policy.boundary.arn } } },
      { Sid = "ReadFunctionRoles", Effect = "Allow", Resource = [local.arn.workload_roles], Action = [
      "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"] },
      { Sid = "PassRolesToLambdaOnly", Effect = "Allow", Resource = [local.arn.workload_roles], Action = ["iam:PassRole"],
      Condition = { StringEquals = { "iam:PassedToService" = "lambda.amazonaws.com" } } },
      # ...and the reconciler schedule's role, alone, to EventBridge Scheduler.
      { Sid = "PassTheScheduleRoleToSchedulerOnly", Effect = "Allow", Resource = [local.arn.schedule_role], Action = ["iam:PassRole"],
      Condition = { StringEquals = { "iam:PassedToService" = "scheduler.amazonaws.com" } } },
      # Its own CI roles and policies, and the boundary, are read, never changed.
      { Sid = "ReadOwnCIRoles", Effect = "Allow", Resource = [local.arn.own_ci_roles], Action = [
      "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"] },
      { Sid = "ReadOwnPolicies", Effect = "Allow", Resource = [local.arn.boundary, local.arn.own_ci_policy], Action = ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"] },

      # Whatever else is ever allowed: no role is created, deleted,
      # re-trusted or re-bounded by CI; no role policy without the
      # boundary; no change to a boundary, a CI role or policy, an account
      # role or the OIDC provider.
      { Sid = "NeverManageRoles", Effect = "Deny", Resource = ["*"], Action = local.role_lifecycle },
      { Sid = "NoRolePolicyWithoutTheBoundary", Effect = "Deny", Resource = ["*"], Action = ["iam:PutRolePolicy"],
      Condition = { StringNotEquals = { "iam:PermissionsBoundary" = aws_iam_policy.boundary.arn } } },
      { Sid = "NeverChangeBoundariesOrCIPolicies", Effect = "Deny", Resource = [local.arn.boundaries, local.arn.ci_policies], Action = [
      "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:UntagPolicy"] },
      { Sid = "NeverChangeCIOrAccountRoles", Effect = "Deny", Resource = [local.arn.ci_roles, local.arn.account_roles], Action = local.role_writes },
      { Sid = "NeverChangeTheOIDCProvider", Effect = "Deny", Resource = [local.arn.oidc_provider], Action = [
        "iam:CreateOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint",
      "iam:AddClientIDToOpenIDConnectProvider", "iam:RemoveClientIDFromOpenIDConnectProvider", "iam:TagOpenIDConnectProvider", "iam:UntagOpenIDConnectProvider"] },
    ])

    # The functions and what runs them: mappings, logs, schedules, events,
    # alarms, the dashboard.
    compute = [
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
      { Sid = "Logs", Effect = "Allow", Resource = local.log_groups, Action = [
        "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey",
        "logs:PutMetricFilter", "logs:DeleteMetricFilter", "logs:DescribeMetricFilters", "logs:TagResource", "logs:UntagResource",
      "logs:ListTagsForResource"] },
      { Sid = "DescribeLogGroups", Effect = "Allow", Resource = ["${local.arn.log_group}*"], Action = ["logs:DescribeLogGroups"] },
      { Sid = "EventBus", Effect = "Allow", Resource = [local.arn.bus], Action = [
      "events:CreateEventBus", "events:UpdateEventBus", "events:DeleteEventBus", "events:DescribeEventBus", "events:TagResource", "events:UntagResource", "events:ListTagsForResource"] },
      # The event destinations' rules and their queue targets, on the
      # environment's buses: an SQS target takes no role to pass.
      { Sid = "EventRules", Effect = "Allow", Resource = [local.arn.rule], Action = [
        "events:PutRule", "events:DeleteRule", "events:DescribeRule", "events:EnableRule", "events:DisableRule", "events:PutTargets", "events:RemoveTargets",
      "events:ListTargetsByRule", "events:TagResource", "events:UntagResource", "events:ListTagsForResource"] },
      # Schedules carry no tags: they are the environment's by name, in the
      # default group. Creating or updating one also passes its role.
      { Sid = "Schedules", Effect = "Allow", Resource = [local.arn.schedule], Action = [
      "scheduler:CreateSchedule", "scheduler:GetSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"] },
      { Sid = "Alarms", Effect = "Allow", Resource = [local.arn.alarm], Action = [
      "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource"] },
      { Sid = "Dashboard", Effect = "Allow", Resource = [local.arn.dashboard], Action = ["cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"] },
      # X-Ray's resource policies name no resource.
      { Sid = "TopicTracing", Effect = "Allow", Resource = ["*"], Action = ["xray:PutResourcePolicy", "xray:DeleteResourcePolicy", "xray:ListResourcePolicies"] },
      # What the environment reserves of the account's Lambda concurrency.
      { Sid = "PublishOwnReservation", Effect = "Allow", Resource = [local.arn.reservation], Action = [
      "ssm:PutParameter", "ssm:DeleteParameter", "ssm:GetParameter", "ssm:GetParameters", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource", "ssm:ListTagsForResource"] },
      { Sid = "DescribeParameters", Effect = "Allow", Resource = ["*"], Action = ["ssm:DescribeParameters"] },
    ]

    # The data and the edge: table, queues, topic, secrets, key, REST API,
    # WAF, and what payhook smoke reads.
    data-and-edge = [
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
      { Sid = "Secrets", Effect = "Allow", Resource = [local.arn.secret], Action = [
        "secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret", "secretsmanager:UpdateSecret",
      "secretsmanager:GetResourcePolicy", "secretsmanager:TagResource", "secretsmanager:UntagResource"] },

      # KMS keys get random ids: a new key must carry the environment's tags,
      # and an existing one is the environment's by those tags.
      { Sid = "CreateOwnKey", Effect = "Allow", Resource = ["*"], Action = ["kms:CreateKey"], Condition = local.request_tags },
      { Sid = "ListAliases", Effect = "Allow", Resource = ["*"], Action = ["kms:ListAliases"] },
      { Sid = "OwnAlias", Effect = "Allow", Resource = [local.arn.alias, local.arn.key], Action = ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"] },
      { Sid = "ManageOwnKey", Effect = "Allow", Resource = [local.arn.key], Condition = local.own_tags, Action = [
        "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:GetKeyRotationStatus", "kms:EnableKeyRotation", "kms:ScheduleKeyDeletion",
      "kms:TagResource", "kms:UntagResource", "kms:ListResourceTags", "kms:CreateGrant", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"] },

      # API Gateway ids are random too: the REST API must be created with the
      # environment's tags, and its resources, methods, deployments and stages
      # inherit them for access control (API Gateway Developer Guide, "API
      # Gateway resources that can be tagged", read 2026-11-28).
      { Sid = "CreateOwnAPI", Effect = "Allow", Resource = ["${local.arn.apigw}/restapis"], Action = ["apigateway:POST"], Condition = local.request_tags },
      { Sid = "ManageOwnAPI", Effect = "Allow", Resource = ["${local.arn.apigw}/restapis/*", "${local.arn.apigw}/tags/*"], Condition = local.own_tags, Action = [
      "apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"] },
      { Sid = "ProtectOwnStage", Effect = "Allow", Resource = ["${local.arn.apigw}/restapis/*/stages/*"], Condition = local.own_tags, Action = ["apigateway:SetWebACL"] },
      # The web ACL and its IP set are found by name.
      { Sid = "WAF", Effect = "Allow", Resource = [local.arn.webacl, local.arn.ipset], Action = [
        "wafv2:CreateWebACL", "wafv2:DeleteWebACL", "wafv2:GetWebACL", "wafv2:UpdateWebACL", "wafv2:CreateIPSet", "wafv2:DeleteIPSet", "wafv2:GetIPSet",
      "wafv2:UpdateIPSet", "wafv2:ListTagsForResource", "wafv2:TagResource", "wafv2:UntagResource"] },
      { Sid = "AssociateOwnWebACL", Effect = "Allow", Resource = [local.arn.webacl, "${local.arn.apigw}/restapis/*/stages/*"], Action = [
      "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL", "wafv2:GetWebACLForResource"] },

      # payhook smoke, after each deploy: it signs with the deployed webhook
      # keys, and reads and removes only the webhooks it wrote. The API
      # credentials' secret is not its to read.
      { Sid = "SmokeReadsTheWebhookKeys", Effect = "Allow", Resource = [local.arn.signing_secret], Action = ["secretsmanager:GetSecretValue"] },
      { Sid = "SmokeWatchesItsWebhooks", Effect = "Allow", Resource = [local.arn.table], Action = ["dynamodb:GetItem", "dynamodb:DeleteItem"],
      Condition = { "ForAllValues:StringLike" = { "dynamodb:LeadingKeys" = ["WEBHOOK#*#${local.smoke_event_id_prefix}*"] } } },
    ]
  }

  deploy_statements = flatten(values(local.deploy_policies))

  log_groups = ["${local.arn.log_group}/aws/lambda/${local.name}-*", "${local.arn.log_group}/aws/apigateway/${local.name}", "${local.arn.log_group}/aws/apigateway/${local.name}:*"]

  # Creating, deleting, re-trusting or re-bounding a role: the administrator's.
  role_lifecycle = [
    "iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:CreateServiceLinkedRole",
  ]
  role_writes = concat(local.role_lifecycle, ["iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PassRole"])

  # The drift check refreshes every resource of the environment: it reads
  # each one's settings as the provider does, and nothing of the data (no
  # item, message or secret value). Reading a function (lambda:GetFunction)
  # also returns a link to its code, and its environment variables, which
  # are encrypted with the key and hold names of things, never secrets: the
  # drift role may decrypt them through Lambda only.
  drift_statements = concat(local.state_read, local.data_source_reads, [
    { Sid = "ReadOwnReservation", Effect = "Allow", Resource = [local.arn.reservation], Action = ["ssm:GetParameter", "ssm:GetParameters", "ssm:ListTagsForResource"] },
    { Sid = "DescribeParameters", Effect = "Allow", Resource = ["*"], Action = ["ssm:DescribeParameters"] },
    { Sid = "ReadRoles", Effect = "Allow", Resource = [local.arn.workload_roles, local.arn.own_ci_roles], Action = [
    "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"] },
    { Sid = "ReadPolicies", Effect = "Allow", Resource = [local.arn.boundary, local.arn.own_ci_policy], Action = ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyTags"] },
    { Sid = "ReadTable", Effect = "Allow", Resource = [local.arn.table], Action = [
    "dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups", "dynamodb:DescribeTimeToLive", "dynamodb:ListTagsOfResource"] },
    { Sid = "ReadQueues", Effect = "Allow", Resource = [local.arn.queue], Action = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueueTags"] },
    { Sid = "ReadTopic", Effect = "Allow", Resource = [local.arn.topic], Action = ["sns:GetTopicAttributes", "sns:ListTagsForResource"] },
    { Sid = "ReadSecrets", Effect = "Allow", Resource = [local.arn.secret], Action = ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"] },
    { Sid = "ReadFunctions", Effect = "Allow", Resource = [local.arn.function], Action = [
    "lambda:GetFunction", "lambda:GetFunctionConcurrency", "lambda:GetFunctionCodeSigningConfig", "lambda:GetPolicy", "lambda:ListVersionsByFunction", "lambda:ListTags"] },
    { Sid = "ReadMappings", Effect = "Allow", Resource = ["*"], Action = ["lambda:GetEventSourceMapping", "lambda:ListEventSourceMappings"] },
    { Sid = "ReadMappingTags", Effect = "Allow", Resource = [local.arn.mapping], Action = ["lambda:ListTags"] },
    { Sid = "ReadLogGroups", Effect = "Allow", Resource = local.log_groups, Action = ["logs:DescribeMetricFilters", "logs:ListTagsForResource"] },
    { Sid = "DescribeLogGroups", Effect = "Allow", Resource = ["${local.arn.log_group}*"], Action = ["logs:DescribeLogGroups"] },
    { Sid = "ReadEventBus", Effect = "Allow", Resource = [local.arn.bus], Action = ["events:DescribeEventBus", "events:ListTagsForResource"] },
    { Sid = "ReadEventRules", Effect = "Allow", Resource = [local.arn.rule], Action = ["events:DescribeRule", "events:ListTargetsByRule", "events:ListTagsForResource"] },
    { Sid = "ReadSchedules", Effect = "Allow", Resource = [local.arn.schedule], Action = ["scheduler:GetSchedule"] },
    { Sid = "ReadAlarms", Effect = "Allow", Resource = [local.arn.alarm], Action = ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"] },
    { Sid = "ReadDashboard", Effect = "Allow", Resource = [local.arn.dashboard], Action = ["cloudwatch:GetDashboard"] },
    { Sid = "ReadTopicTracing", Effect = "Allow", Resource = ["*"], Action = ["xray:ListResourcePolicies"] },
    { Sid = "ListAliases", Effect = "Allow", Resource = ["*"], Action = ["kms:ListAliases"] },
    { Sid = "ReadOwnKey", Effect = "Allow", Resource = [local.arn.key], Condition = local.own_tags, Action = [
    "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"] },
    { Sid = "ReadFunctionEnvironments", Effect = "Allow", Resource = [local.arn.key], Action = ["kms:Decrypt"],
    Condition = { StringEquals = merge(local.own_tags.StringEquals, { "kms:ViaService" = "lambda.${local.region}.amazonaws.com" }) } },
    { Sid = "ReadOwnAPI", Effect = "Allow", Resource = ["${local.arn.apigw}/restapis/*", "${local.arn.apigw}/tags/*"], Condition = local.own_tags, Action = ["apigateway:GET"] },
    { Sid = "ReadWAF", Effect = "Allow", Resource = [local.arn.webacl, local.arn.ipset, "${local.arn.apigw}/restapis/*/stages/*"], Action = [
    "wafv2:GetWebACL", "wafv2:GetIPSet", "wafv2:ListTagsForResource", "wafv2:GetWebACLForResource"] },
  ])
}
