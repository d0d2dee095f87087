output "plan_role_arn" {
  description = "Set as the repository variable AWS_PLAN_ROLE_ARN_<ENV>: pull requests plan with it."
  value       = aws_iam_role.plan.arn
}

output "deploy_role_arn" {
  description = "Set as the repository variable AWS_DEPLOY_ROLE_ARN_<ENV>: main and approved environments apply with it."
  value       = aws_iam_role.deploy.arn
}

output "oidc_provider_arn" {
  description = "The account's GitHub OIDC provider."
  value       = local.provider_arn
}

output "policies" {
  description = "The roles' trust policies and the deploy role's statements, for review and tests."
  value = {
    plan_trust        = local.trust.plan
    deploy_trust      = local.trust.deploy
    deploy_statements = concat(local.state_statements, local.deploy_statements)
  }
}
