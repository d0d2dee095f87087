data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  name       = "${var.name_prefix}-${var.environment_suffix}"
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition
  iam        = "arn:${local.partition}:iam::${local.account_id}"

  # The function roles live under the environment's path, all with its
  # boundary; the CI roles and their policies, and the account-wide roles,
  # live elsewhere, where the deploy role can only read.
  workload_iam_path = "/${var.name_prefix}/${var.environment_suffix}/"
  ci_iam_path       = "/${var.name_prefix}-ci/"
  account_iam_path  = "/${var.name_prefix}-account/"
  state_prefix      = "${var.name_prefix}/${var.environment_suffix}/"

  # GitHub's OIDC provider is the account's, made once by the account root
  # (envs/account).
  issuer       = "token.actions.githubusercontent.com"
  provider_arn = "${local.iam}:oidc-provider/${local.issuer}"
}

# The account's GitHub OIDC provider moved to the account root (envs/account):
# a state written before forgets it here, and it is imported there (README:
# Upgrading).
removed {
  from = aws_iam_openid_connect_provider.github
  lifecycle {
    destroy = false
  }
}
