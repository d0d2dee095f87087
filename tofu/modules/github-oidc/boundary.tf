# The most any role under the environment's path can ever do, whatever
# policy the deploy role writes on it: use this environment's resources,
# found by name (or, for the key, by tag), and nothing else. The roles
# under the path are created with it by an administrator's apply
# (function_roles.tf); the deploy role may only put their policies while
# they carry it, and can never change it.
resource "aws_iam_policy" "boundary" {
  name        = "${local.name}-boundary"
  path        = local.workload_iam_path
  description = "Permissions boundary of every ${local.name} function role"
  policy      = local.boundary_document
  tags        = var.tags

  lifecycle {
    precondition {
      condition     = local.boundary_size <= local.limits.managed
      error_message = "${local.name}-boundary takes ${local.boundary_size} characters; IAM allows ${local.limits.managed} in a managed policy."
    }
  }
}

locals {
  # reconcile is the pipeline's reconciler, the one function a role of the
  # environment (its schedule's) may invoke; schedule_role is that schedule's
  # role, the one role passed to EventBridge Scheduler; schedules live in the
  # default group, named after the environment. Rules live on the
  # environment's buses; forward is the event destinations' queues.
  arn = {
    table   = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${local.name}"
    stream  = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${local.name}/stream/*"
    queue   = "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${local.name}-*"
    forward = "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${local.name}-forward-*"
    topic   = "arn:${local.partition}:sns:${local.region}:${local.account_id}:${local.name}-*"
    bus     = "arn:${local.partition}:events:${local.region}:${local.account_id}:event-bus/${local.name}-*"
    rule    = "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${local.name}-*/${local.name}-*"
    secret  = "arn:${local.partition}:secretsmanager:${local.region}:${local.account_id}:secret:${local.name}/*"
    # The webhook keys' secret (Secrets Manager adds - and six characters).
    signing_secret = "arn:${local.partition}:secretsmanager:${local.region}:${local.account_id}:secret:${local.name}/providers-*"
    key            = "arn:${local.partition}:kms:${local.region}:${local.account_id}:key/*"
    alias          = "arn:${local.partition}:kms:${local.region}:${local.account_id}:alias/${local.name}"
    function       = "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${local.name}-*"
    reconcile      = "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${local.name}-reconciler"
    schedule       = "arn:${local.partition}:scheduler:${local.region}:${local.account_id}:schedule/default/${local.name}-*"
    mapping        = "arn:${local.partition}:lambda:${local.region}:${local.account_id}:event-source-mapping:*"
    log_group      = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:"
    alarm          = "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${local.name}-*"
    dashboard      = "arn:${local.partition}:cloudwatch::${local.account_id}:dashboard/${local.name}"
    apigw          = "arn:${local.partition}:apigateway:${local.region}::"
    webacl         = "arn:${local.partition}:wafv2:${local.region}:${local.account_id}:regional/webacl/${local.name}/*"
    ipset          = "arn:${local.partition}:wafv2:${local.region}:${local.account_id}:regional/ipset/${local.name}-providers/*"
    state          = "arn:${local.partition}:s3:::${var.state_bucket}"
    # Each environment publishes what it reserves of the account's Lambda
    # concurrency; every plan reads them all (the pipeline's quota check).
    reservation  = "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter/${var.name_prefix}/reserved-concurrency/${var.environment_suffix}"
    reservations = "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter/${var.name_prefix}/reserved-concurrency"

    workload_roles = "${local.iam}:role${local.workload_iam_path}*"
    ci_roles       = "${local.iam}:role${local.ci_iam_path}*"
    own_ci_roles   = "${local.iam}:role${local.ci_iam_path}${local.name}-github-*"
    ci_policies    = "${local.iam}:policy${local.ci_iam_path}*"
    own_ci_policy  = "${local.iam}:policy${local.ci_iam_path}${local.name}-github-*"
    account_roles  = "${local.iam}:role${local.account_iam_path}*"
    schedule_role  = "${local.iam}:role${local.workload_iam_path}${local.name}-reconciler-schedule"
    boundary       = "${local.iam}:policy${local.workload_iam_path}${local.name}-boundary"
    boundaries     = "${local.iam}:policy/${var.name_prefix}/*"
    oidc_provider  = "${local.iam}:oidc-provider/${local.issuer}"
  }

  # The key, the REST API and its stage are found by the tags the pipeline
  # sets on them.
  own_tags = { StringEquals = { "aws:ResourceTag/Application" = var.name_prefix, "aws:ResourceTag/Environment" = var.environment_suffix } }

  boundary_statements = [
    { Sid = "WriteOwnLogs", Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = ["${local.arn.log_group}/aws/lambda/${local.name}-*"] },
    # X-Ray's write actions have no resource-level permissions.
    { Sid = "Trace", Effect = "Allow", Action = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource = ["*"] },
    { Sid = "Table", Effect = "Allow", Action = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:ConditionCheckItem"], Resource = [local.arn.table] },
    { Sid = "Stream", Effect = "Allow", Action = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"], Resource = [local.arn.stream] },
    { Sid = "DeadLetters", Effect = "Allow", Action = ["sqs:SendMessage"], Resource = [local.arn.queue] },
    # The forwarder takes the event destinations' messages from their queues.
    { Sid = "TakeForwards", Effect = "Allow", Action = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"], Resource = [local.arn.forward] },
    { Sid = "Alerts", Effect = "Allow", Action = ["sns:Publish"], Resource = [local.arn.topic] },
    { Sid = "Events", Effect = "Allow", Action = ["events:PutEvents"], Resource = [local.arn.bus] },
    { Sid = "ProviderKeys", Effect = "Allow", Action = ["secretsmanager:GetSecretValue"], Resource = [local.arn.secret] },
    { Sid = "Key", Effect = "Allow", Action = ["kms:Decrypt", "kms:GenerateDataKey"], Resource = [local.arn.key], Condition = local.own_tags },
    # The reconciler's schedule invokes it; no role invokes anything else.
    { Sid = "InvokeTheReconciler", Effect = "Allow", Action = ["lambda:InvokeFunction"], Resource = [local.arn.reconcile] },
  ]
}
