data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  name         = "${var.name_prefix}-${var.environment_suffix}"
  account_id   = data.aws_caller_identity.current.account_id
  partition    = data.aws_partition.current.partition
  issuer       = "token.actions.githubusercontent.com"
  provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : "arn:${local.partition}:iam::${local.account_id}:oidc-provider/${local.issuer}"
  # Who may deploy: a protected environment's jobs, or else main.
  deploy_subject = var.github_environment != null ? "repo:${var.github_repository}:environment:${var.github_environment}" : "repo:${var.github_repository}:ref:refs/heads/main"
}

resource "aws_iam_openid_connect_provider" "github" {
  count          = var.create_oidc_provider ? 1 : 0
  url            = "https://${local.issuer}"
  client_id_list = ["sts.amazonaws.com"]
  tags           = var.tags
}

# Who may assume each role: GitHub's token for this repository, for pull
# requests (plan) or for main or a protected environment (deploy).
locals {
  trust = { for role, subject in { plan = "repo:${var.github_repository}:pull_request", deploy = local.deploy_subject } : role => {
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = local.provider_arn }
      Condition = { StringEquals = { "${local.issuer}:aud" = "sts.amazonaws.com", "${local.issuer}:sub" = subject } }
    }]
  } }
}

# Pull requests plan: read everything, write only the state lock.
resource "aws_iam_role" "plan" {
  name                 = "${local.name}-github-plan"
  assume_role_policy   = jsonencode(local.trust.plan)
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy_attachment" "plan_read_only" {
  role       = aws_iam_role.plan.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_role_policy" "plan_state" {
  name   = "state"
  role   = aws_iam_role.plan.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.state_statements })
}

# main (and approved environments) apply.
resource "aws_iam_role" "deploy" {
  name                 = "${local.name}-github-deploy"
  assume_role_policy   = jsonencode(local.trust.deploy)
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "deploy" {
  name   = "deploy"
  role   = aws_iam_role.deploy.id
  policy = jsonencode({ Version = "2012-10-17", Statement = concat(local.state_statements, local.deploy_statements) })
}
