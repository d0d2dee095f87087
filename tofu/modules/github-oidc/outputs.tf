output "plan_role_arn" {
  description = "Plans assume it: set it as the repository variable named in github_actions_variables."
  value       = aws_iam_role.plan.arn
}

output "deploy_role_arn" {
  description = "Deploys assume it, in the GitHub environment named after the environment: set it as that environment's variable named in github_actions_variables."
  value       = aws_iam_role.deploy.arn
}

output "oidc_provider_arn" {
  description = "The account's GitHub OIDC provider."
  value       = local.provider_arn
}

output "oidc_provider_created" {
  description = "Whether this environment creates the account's GitHub OIDC provider (create_oidc_provider)."
  value       = length(aws_iam_openid_connect_provider.github) == 1
}

output "workload_iam_path" {
  description = "The IAM path of every role the deploy role may manage: give it to the pipeline's iam_path."
  value       = local.workload_iam_path
}

output "permissions_boundary_arn" {
  description = "The boundary every role under workload_iam_path must carry: give it to the pipeline's permissions_boundary_arn."
  value       = aws_iam_policy.boundary.arn
}

output "github_actions_variables" {
  description = "The GitHub Actions variables the workflows read, by where they are set: the repository, and each GitHub environment."
  value = {
    repository   = { "AWS_PLAN_ROLE_ARN_${upper(var.environment_suffix)}" = aws_iam_role.plan.arn }
    environments = { (var.environment_suffix) = { AWS_DEPLOY_ROLE_ARN = aws_iam_role.deploy.arn } }
  }
}

output "github_subject_claim_keys" {
  description = "The repository's OIDC subject claim must be customised to these keys, or no token matches the roles' trust (README: Deploy to AWS)."
  value       = local.subject_claim_keys
}

output "policies" {
  description = "The roles' trust policies and statements, and the boundary's, for review and tests."
  value = {
    plan_trust          = local.trust.plan
    deploy_trust        = local.trust.deploy
    plan_statements     = local.plan_statements
    deploy_statements   = local.deploy_statements
    boundary_statements = local.boundary_statements
  }
}
