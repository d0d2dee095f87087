# The reconciler runs on an EventBridge Scheduler schedule, with a role
# (github-oidc's, made by an administrator) that may invoke that one
# function and put what it could not start on its dead-letter queue,
# nothing else. Scheduler invokes Lambda asynchronously:
# its retries cover failed invocations, not failed runs, which the
# reconciler's error alarm reports and its next run repeats.
locals {
  reconcile_schedule_name = "${local.name}-reconciler"
}

locals {
  # The dead-letter queue is encrypted with the key: sending to it needs
  # the key through SQS (the key policy's ServicesOnBehalfOfTheAccount).
  reconcile_schedule_statements = var.reconcile_enabled ? [
    { Sid = "InvokeTheReconciler", Effect = "Allow", Action = ["lambda:InvokeFunction"], Resource = [module.reconciler[0].function_arn] },
    { Sid = "DeadLetters", Effect = "Allow", Action = ["sqs:SendMessage"], Resource = [aws_sqs_queue.reconcile_schedule_dlq[0].arn] },
    { Sid = "EncryptDeadLetters", Effect = "Allow", Action = ["kms:GenerateDataKey", "kms:Decrypt"], Resource = [aws_kms_key.this.arn] },
  ] : []
  reconcile_schedule_policy = jsonencode({ Version = "2012-10-17", Statement = local.reconcile_schedule_statements })
}

resource "aws_iam_role_policy" "reconcile_schedule" {
  count  = var.reconcile_enabled ? 1 : 0
  name   = "${local.name}-reconciler-schedule"
  role   = var.schedule_role.name
  policy = local.reconcile_schedule_policy

  # The role's only inline policy: IAM allows 10,240 characters per role,
  # whitespace not counted.
  lifecycle {
    precondition {
      condition     = length(replace(local.reconcile_schedule_policy, "/\\s/", "")) <= 10240
      error_message = "${var.schedule_role.name}'s inline policy takes ${length(replace(local.reconcile_schedule_policy, "/\\s/", ""))} characters without whitespace; IAM allows 10,240 per role."
    }
  }
}

resource "aws_scheduler_schedule" "reconcile" {
  count               = var.reconcile_enabled ? 1 : 0
  name                = local.reconcile_schedule_name
  group_name          = "default"
  description         = "Runs ${local.name}'s reconciler: missed webhooks, from the event APIs of ${join(", ", local.reconciled_providers)}"
  schedule_expression = var.reconcile_schedule
  state               = "ENABLED"

  # Runs at the stated times: the reconciler's windows count from the last
  # checkpoint, so spreading them out would gain nothing.
  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = module.reconciler[0].function_arn
    role_arn = var.schedule_role.arn
    input    = jsonencode({})

    # An invocation that cannot start within 10 minutes is overtaken by the
    # next run, which lists from the same checkpoint: give it up to the
    # dead-letter queue, whose alarm says invocations are failing.
    retry_policy {
      maximum_event_age_in_seconds = 600
      maximum_retry_attempts       = 3
    }

    dead_letter_config {
      arn = aws_sqs_queue.reconcile_schedule_dlq[0].arn
    }
  }

  # The role's policy must exist before the first invocation.
  depends_on = [aws_iam_role_policy.reconcile_schedule]
}
