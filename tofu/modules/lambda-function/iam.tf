# The role is the caller's, made by an administrator's apply (github-oidc):
# this module only writes its one inline policy.
locals {
  # Every function writes its own log group, traces to X-Ray and reads its
  # encrypted environment; the rest comes from the caller.
  statements = concat([
    {
      sid       = "WriteOwnLogs"
      actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
    },
    {
      # X-Ray's write actions support no resource-level permissions.
      sid       = "Trace"
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources = ["*"]
    },
    {
      sid       = "DecryptEnvironment"
      actions   = ["kms:Decrypt"]
      resources = [var.kms_key_arn]
    },
  ], var.policy_statements)
}

locals {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [for s in local.statements : merge({
      Sid      = s.sid
      Effect   = "Allow"
      Action   = s.actions
      Resource = s.resources
    }, try(s.conditions, null) == null ? {} : { Condition = s.conditions })]
  })
  # IAM counts every character but whitespace, and allows a role 10,240 of
  # inline policy in all (IAM and AWS STS quotas); this is the role's only one.
  policy_size = length(replace(local.policy, "/\\s/", ""))
}

resource "aws_iam_role_policy" "this" {
  name   = var.name
  role   = var.role.name
  policy = local.policy

  lifecycle {
    precondition {
      condition     = local.policy_size <= 10240
      error_message = "${var.role.name}'s inline policy takes ${local.policy_size} characters without whitespace; IAM allows 10,240 per role."
    }
  }
}
