data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  name       = "${var.name_prefix}-${var.environment_suffix}"
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition
  tags       = merge(var.tags, { Application = var.name_prefix, Environment = var.environment_suffix })

  forward_enabled = length(var.event_destinations) > 0
  zip = { for f in concat(["receiver", "processor", "auditor"], var.reconcile_enabled ? ["reconciler"] : [], local.forward_enabled ? ["forwarder"] : []) :
  f => "${var.lambda_zip_dir}/${f}.zip" }

  # The reconciler's 1 is not capacity but mutual exclusion: a run never
  # overlaps another. Without reservations (a new account's quota refuses
  # any), runs still cannot overlap as long as its timeout is below the
  # schedule's interval, except for Lambda's own retries of a failed run.
  # The forwarder's reservation is its destinations' caps together: each
  # destination's mapping runs at most max_concurrency at once.
  # Every function this stack has, by name: the one place that says which.
  function_modules = merge({ receiver = module.receiver, processor = module.processor, auditor = module.auditor },
  var.reconcile_enabled ? { reconciler = module.reconciler[0] } : {}, local.forward_enabled ? { forwarder = module.forwarder[0] } : {})
  function_sizing = merge({ receiver = var.receiver, processor = var.processor, auditor = var.auditor }, var.reconcile_enabled ? { reconciler = var.reconciler } : {},
  local.forward_enabled ? { forwarder = { reserved_concurrency = var.forwarder.max_concurrency * length(var.event_destinations) } } : {})
  reserved_concurrency = { for f, sizing in local.function_sizing :
  f => var.reserve_concurrency ? sizing.reserved_concurrency : null }
  reserved_total = sum([for n in values(local.reserved_concurrency) : coalesce(n, 0)])
}

# Reservations fail at apply, one function at a time, when the account's
# Lambda quota is too small: new accounts start far below the default 1,000.
# Lambda keeps at least 100 of the quota unreserved. The quota is "Concurrent
# executions", L-B99A9384 (Service Quotas).
data "aws_servicequotas_service_quota" "lambda_concurrency" {
  count        = var.reserve_concurrency ? 1 : 0
  service_code = "lambda"
  quota_code   = "L-B99A9384"

  lifecycle {
    postcondition {
      condition     = self.value >= local.reserved_total + 100
      error_message = "${local.name} reserves ${local.reserved_total} concurrent Lambda executions, but the account's quota in ${local.region} is ${self.value}: Lambda keeps 100 unreserved, so it must be at least ${local.reserved_total + 100}, plus what other functions in the account reserve. Request an increase of \"Concurrent executions\" (L-B99A9384) in Service Quotas, or set reserve_concurrency = false (README: Deploy to AWS)."
    }
  }
}
