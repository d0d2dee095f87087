# The pipeline's roles: one per function, whether the environment runs it
# yet or not, and the reconciler schedule's. Creating, deleting or
# re-trusting a role is an administrator's apply: the deploy role only puts
# and deletes their policies, under the boundary. Every function the
# pipeline can have finds its role here, so a configuration change in CI
# (event destinations, reconciliation on or off) never needs a new role.
locals {
  functions = ["receiver", "processor", "auditor", "reconciler", "forwarder"]

  function_trust = {
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  }
  schedule_trust = {
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      # Only this account's schedules may use the role.
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  }
}

resource "aws_iam_role" "function" {
  for_each             = toset(local.functions)
  name                 = "${local.name}-${each.key}"
  path                 = local.workload_iam_path
  permissions_boundary = aws_iam_policy.boundary.arn
  assume_role_policy   = jsonencode(local.function_trust)
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = local.sizes.trust.function <= local.limits.trust
      error_message = "The function roles' trust policy takes ${local.sizes.trust.function} characters; IAM allows ${local.limits.trust}."
    }
  }
}

# The reconciler's schedule invokes it with this role.
resource "aws_iam_role" "reconcile_schedule" {
  name                 = "${local.name}-reconciler-schedule"
  path                 = local.workload_iam_path
  permissions_boundary = aws_iam_policy.boundary.arn
  assume_role_policy   = jsonencode(local.schedule_trust)
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = local.sizes.trust.schedule <= local.limits.trust
      error_message = "The reconciler schedule role's trust policy takes ${local.sizes.trust.schedule} characters; IAM allows ${local.limits.trust}."
    }
  }
}
