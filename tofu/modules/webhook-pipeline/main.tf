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
# executions", L-B99A9384 (Service Quotas), and the account's: every
# environment in it reserves from the same pool. Each environment publishes
# what it reserves, as applied, under /<name_prefix>/reserved-concurrency/,
# and each plan counts the others' with its own.
locals {
  reservations_path = "/${var.name_prefix}/reserved-concurrency"
}

resource "aws_ssm_parameter" "reserved_concurrency" {
  name        = "${local.reservations_path}/${var.environment_suffix}"
  description = "Concurrent Lambda executions ${local.name} reserves: every environment's plan counts them against the account's quota."
  type        = "String"
  value       = tostring(local.reserved_total)
  tags        = local.tags
}

data "aws_ssm_parameters_by_path" "reserved_concurrency" {
  count = var.reserve_concurrency ? 1 : 0
  path  = local.reservations_path
}

locals {
  # The other environments' reservations, as last applied; this one's is
  # what this plan would reserve.
  reserved_elsewhere = var.reserve_concurrency ? { for i, name in data.aws_ssm_parameters_by_path.reserved_concurrency[0].names :
    trimprefix(name, "${local.reservations_path}/") => tonumber(try(nonsensitive(data.aws_ssm_parameters_by_path.reserved_concurrency[0].values[i]), data.aws_ssm_parameters_by_path.reserved_concurrency[0].values[i]))
  if name != "${local.reservations_path}/${var.environment_suffix}" } : {}
  reserved_in_account = local.reserved_total + sum(concat([0], values(local.reserved_elsewhere)))
}

data "aws_servicequotas_service_quota" "lambda_concurrency" {
  count        = var.reserve_concurrency ? 1 : 0
  service_code = "lambda"
  quota_code   = "L-B99A9384"

  lifecycle {
    postcondition {
      condition     = self.value >= local.reserved_in_account + 100
      error_message = "${local.name} reserves ${local.reserved_total} concurrent Lambda executions and the account's other environments ${jsonencode(local.reserved_elsewhere)}, ${local.reserved_in_account} in all, but the account's quota in ${local.region} is ${self.value}: Lambda keeps 100 unreserved, so it must be at least ${local.reserved_in_account + 100}, plus what functions outside payhook reserve. Request an increase of \"Concurrent executions\" (L-B99A9384) in Service Quotas, or set reserve_concurrency = false (README: Deploy to AWS)."
    }
  }
}
