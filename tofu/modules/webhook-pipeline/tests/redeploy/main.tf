# A test helper: the pipeline twice, one environment before a change and
# after it, so that a test can compare what redeploys their stages.
locals {
  roles = { for f in ["receiver", "processor", "auditor", "reconciler", "forwarder"] : f => {
    name = "payhook-test-${f}", arn = "arn:aws:iam::111122223333:role/payhook/test/payhook-test-${f}"
  } }
  schedule_role = { name = "payhook-test-reconciler-schedule", arn = "arn:aws:iam::111122223333:role/payhook/test/payhook-test-reconciler-schedule" }
}

module "before" {
  source             = "../.."
  environment_suffix = "test"
  lambda_zip_dir     = "../../tests/lambda-zips"
  function_roles     = local.roles
  schedule_role      = local.schedule_role
}

module "after" {
  source             = "../.."
  environment_suffix = "test"
  lambda_zip_dir     = "../../tests/lambda-zips"
  function_roles     = local.roles
  schedule_role      = local.schedule_role
}

output "redeploy" {
  description = "What redeploys each stage."
  value       = { before = module.before.api_deployment.redeploy, after = module.after.api_deployment.redeploy }
}
