# A test helper: this module for two environments of one account, so that
# a test can compare their patterns in one plan.
variable "environments" {
  description = "The two environments' names."
  type        = list(string)
}

module "environment" {
  source             = "../.."
  for_each           = toset(var.environments)
  environment_suffix = each.key
  github_repository  = "acme/payhook"
  state_bucket       = "acme-tofu-state"
}

output "allowed" {
  description = "Each environment's allowed patterns: every Allow statement's resources, and the condition values that name the environment's things."
  value = { for env, m in module.environment : env => toset(flatten([
    for s in concat(m.policies.plan_statements, m.policies.deploy_statements, m.policies.drift_statements, m.policies.boundary_statements) :
    concat(s.Resource, flatten([for op, kv in try(s.Condition, {}) : [for k, v in kv : v if contains(["lambda:FunctionArn", "s3:prefix", "aws:ResourceTag/Environment", "aws:RequestTag/Environment"], k)]]))
    if s.Effect == "Allow"
  ])) }
}
