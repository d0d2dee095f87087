output "plan_role_arn" {
  description = "Plans assume it: set it as the repository variable named in github_actions_variables."
  value       = aws_iam_role.plan.arn
}

output "deploy_role_arn" {
  description = "Deploys assume it, in the GitHub environment named after the environment: set it as that environment's variable named in github_actions_variables."
  value       = aws_iam_role.deploy.arn
}

output "drift_role_arn" {
  description = "Scheduled drift checks assume it: set it as the repository variable named in github_actions_variables."
  value       = aws_iam_role.drift.arn
}

output "oidc_provider_arn" {
  description = "The account's GitHub OIDC provider, which the account root (envs/account) creates."
  value       = local.provider_arn
}

output "function_roles" {
  description = "Each function's role (receiver, processor, auditor, reconciler, forwarder) by function, as name and ARN: give it to the pipeline's function_roles."
  value       = { for f, role in aws_iam_role.function : f => { name = role.name, arn = role.arn } }
}

output "schedule_role" {
  description = "The reconciler schedule's role, as name and ARN: give it to the pipeline's schedule_role."
  value       = { name = aws_iam_role.reconcile_schedule.name, arn = aws_iam_role.reconcile_schedule.arn }
}

output "permissions_boundary_arn" {
  description = "The boundary every role under the environment's IAM path carries."
  value       = aws_iam_policy.boundary.arn
}

output "github_actions_variables" {
  description = "The GitHub Actions variables the workflows read, by where they are set: the repository, and each GitHub environment."
  value = {
    repository = {
      "AWS_PLAN_ROLE_ARN_${upper(var.environment_suffix)}"  = aws_iam_role.plan.arn
      "AWS_DRIFT_ROLE_ARN_${upper(var.environment_suffix)}" = aws_iam_role.drift.arn
    }
    environments = { (var.environment_suffix) = { AWS_DEPLOY_ROLE_ARN = aws_iam_role.deploy.arn } }
  }
}

output "github_subject_claim_keys" {
  description = "The repository's OIDC subject claim must be customised to these keys, or no token matches the roles' trust (README: Deploy to AWS)."
  value       = local.subject_claim_keys
}

output "policies" {
  description = "The roles' trust policies and statements, the deploy role's managed policies, and the boundary's, for review and tests."
  value = {
    plan_trust          = local.trust.plan
    deploy_trust        = local.trust.deploy
    drift_trust         = local.trust.drift
    function_trust      = local.function_trust
    schedule_trust      = local.schedule_trust
    plan_statements     = local.plan_statements
    deploy_policies     = local.deploy_policies
    deploy_statements   = local.deploy_statements
    drift_statements    = local.drift_statements
    boundary_statements = local.boundary_statements
  }
}

output "policy_sizes" {
  description = "Each IAM document's size as IAM counts it (whitespace removed), and IAM's limits: trust policies, each CI role's inline policies, and each managed policy (the deploy role's and the boundary)."
  value       = merge(local.sizes, { limits = local.limits, deploy_policies_attached = length(local.deploy_policies) })
}
