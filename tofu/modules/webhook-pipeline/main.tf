data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  name       = "${var.name_prefix}-${var.environment_suffix}"
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition
  tags       = merge(var.tags, { Application = var.name_prefix, Environment = var.environment_suffix })

  zip = { for f in ["receiver", "processor", "auditor"] : f => "${var.lambda_zip_dir}/${f}.zip" }
  # A zip that is not built yet (plans in tests) gets no hash.
  zip_hash = { for f, path in local.zip : f => fileexists(path) ? filebase64sha256(path) : null }
}
