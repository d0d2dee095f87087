data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  name       = "${var.name_prefix}-${var.environment_suffix}"
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition
  iam        = "arn:${local.partition}:iam::${local.account_id}"

  # Roles the deploy role may manage live under the environment's path, all
  # with its boundary; the CI roles and the account-wide settings live
  # elsewhere, where the deploy role can only read.
  workload_iam_path = "/${var.name_prefix}/${var.environment_suffix}/"
  ci_iam_path       = "/${var.name_prefix}-ci/"
  account_iam_path  = "/${var.name_prefix}-account/"
  state_prefix      = "${var.name_prefix}/${var.environment_suffix}/"

  issuer       = "token.actions.githubusercontent.com"
  provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : "${local.iam}:oidc-provider/${local.issuer}"
}

resource "aws_iam_openid_connect_provider" "github" {
  count          = var.create_oidc_provider ? 1 : 0
  url            = "https://${local.issuer}"
  client_id_list = ["sts.amazonaws.com"]
  tags           = var.tags
}
