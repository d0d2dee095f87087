# Plan-time checks of the composition: the pipeline and the CI roles agree
# with each other, with the workflows and with payhook smoke.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
  }
  mock_data "aws_region" {
    defaults = { region = "ap-southeast-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_servicequotas_service_quota" {
    defaults = { value = 1000 }
  }
}

override_resource {
  target = module.github.aws_iam_policy.boundary
  values = { arn = "arn:aws:iam::111122223333:policy/payhook/test/payhook-test-boundary" }
}

variables {
  environment = "test"
  deployment = {
    account_id        = "111122223333"
    region            = "ap-southeast-1"
    github_repository = "acme/payhook"
    state_bucket      = "acme-tofu-state"
    lambda_zip_dir    = "../../tests/lambda-zips"
  }
  deletion_protection = true
  log_retention_days  = 30
  paypal_sandbox      = false
  event_bus_enabled   = true
  reserve_concurrency = true
}

# Issue 11, "also": each environment deploys to one account only.
run "credentials_for_another_account_stop_the_plan" {
  command = plan
  override_data {
    target = data.aws_caller_identity.current
    values = { account_id = "999988887777" }
  }
  expect_failures = [data.aws_caller_identity.current]
}

run "the_account_id_is_twelve_digits" {
  command = plan
  variables {
    deployment = { account_id = "1111", region = "ap-southeast-1", github_repository = "acme/payhook", state_bucket = "acme-tofu-state" }
  }
  expect_failures = [var.deployment]
}

# Item 6: the boundary must leave the functions everything their own
# policies grant, or they would fail at run time.
run "the_boundary_allows_what_the_functions_need" {
  command = plan

  assert {
    condition = alltrue(flatten([for f in output.review.functions : [for s in f.statements : [for a in s.actions :
    anytrue([for b in output.review.policies.boundary_statements : contains(b.Action, a)])]]]))
    error_message = "A function's policy grants an action its permissions boundary does not allow."
  }
  assert {
    condition     = alltrue([for name, f in output.review.functions : f.role == output.review.roles[name].name])
    error_message = "Every function runs as the role the administrator's part (github-oidc) creates, under the boundary."
  }
  assert {
    condition = alltrue(flatten([for s in output.reconciliation.schedule_statements : [for a in s.Action :
    anytrue([for b in output.review.policies.boundary_statements : contains(b.Action, a)])]]))
    error_message = "The reconciler schedule's policy grants an action its permissions boundary does not allow."
  }
}

# Issue 17: the forwarder, its queues, secrets and rules fit what the CI
# module lets roles do and the deploy role manage.
run "the_ci_roles_and_the_pipeline_agree_on_event_destinations" {
  command = plan
  variables {
    event_destinations = [{ name = "ledger", url = "https://ledger.example.com/payhook" }]
  }

  assert {
    condition = alltrue(flatten([for s in output.review.functions.forwarder.statements : [for a in s.actions :
    anytrue([for b in output.review.policies.boundary_statements : contains(b.Action, a)])]]))
    error_message = "The forwarder's policy grants an action its permissions boundary does not allow."
  }
  assert {
    condition = anytrue([for b in output.review.policies.boundary_statements : contains(b.Action, "sqs:ReceiveMessage") &&
    anytrue([for r in b.Resource : startswith("arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-ledger", trimsuffix(r, "*"))])])
    error_message = "The boundary must let the forwarder take from the queue the pipeline names."
  }
  assert {
    condition = anytrue([for b in output.review.policies.boundary_statements : contains(b.Action, "secretsmanager:GetSecretValue") &&
    anytrue([for r in b.Resource : startswith("arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:payhook-test/forward/ledger", trimsuffix(r, "*"))])])
    error_message = "The boundary must let the forwarder read the secret the pipeline names."
  }
  assert {
    condition = anytrue([for s in output.review.policies.deploy_statements : contains(s.Action, "events:PutRule") &&
    anytrue([for r in s.Resource : can(regex("^${replace(r, "*", ".*")}$", "arn:aws:events:ap-southeast-1:111122223333:rule/payhook-test-events/${output.event_destinations.ledger.rule_name}"))])])
    error_message = "The deploy role must be able to create the destination's rule on the environment's bus."
  }
  assert {
    condition     = output.review.protection.reserved_concurrency == 166
    error_message = "The destination adds its cap, 5, to the 161 reserved."
  }
}

# The boundary names the reconciler the pipeline creates, and the deploy
# role may pass the role the pipeline gives its schedule.
run "the_ci_roles_and_the_pipeline_agree_on_the_reconcilers_names" {
  command = plan

  assert {
    condition = anytrue([for b in output.review.policies.boundary_statements :
    contains(b.Action, "lambda:InvokeFunction") && b.Resource == ["arn:aws:lambda:ap-southeast-1:111122223333:function:${output.reconciliation.function_name}"]])
    error_message = "The boundary must let the schedule's role invoke the reconciler the pipeline creates."
  }
  assert {
    condition = anytrue([for s in output.review.policies.deploy_statements :
    contains(s.Action, "iam:PassRole") && s.Resource == ["arn:aws:iam::111122223333:role/payhook/test/${output.reconciliation.schedule_role}"] && s.Condition.StringEquals["iam:PassedToService"] == "scheduler.amazonaws.com"])
    error_message = "The deploy role must be able to pass the schedule's role to EventBridge Scheduler."
  }
  assert {
    condition = anytrue([for s in output.review.policies.deploy_statements :
    contains(s.Action, "scheduler:CreateSchedule") && anytrue([for r in s.Resource : startswith("arn:aws:scheduler:ap-southeast-1:111122223333:schedule/default/${output.reconciliation.schedule_name}", trimsuffix(r, "*"))])])
    error_message = "The deploy role must be able to create the reconciler's schedule."
  }
}

# Item 14: the workflows read the variables the roles are published under.
run "the_workflows_read_the_variables_the_roles_are_set_in" {
  command = plan
  variables {
    environment = "prod"
  }

  assert {
    condition     = strcontains(file("../../../.github/workflows/plan.yml"), "AWS_PLAN_ROLE_ARN_PROD") && strcontains(file("../../../.github/workflows/deploy.yml"), "AWS_PLAN_ROLE_ARN_PROD") && contains(keys(output.github.variables.repository), "AWS_PLAN_ROLE_ARN_PROD")
    error_message = "plan.yml and deploy.yml must read the plan role from the repository variable the module names."
  }
  assert {
    condition     = strcontains(file("../../../.github/workflows/drift.yml"), "AWS_DRIFT_ROLE_ARN_PROD") && contains(keys(output.github.variables.repository), "AWS_DRIFT_ROLE_ARN_PROD")
    error_message = "drift.yml must read the drift role from the repository variable the module names."
  }
  assert {
    condition     = alltrue([for name in keys(output.github.variables.environments.prod) : strcontains(file("../../../.github/workflows/deploy.yml"), "vars.${name} }}")])
    error_message = "deploy.yml must read the deploy role from the environment variable the module names."
  }
}

# payhook smoke writes only webhooks whose ids carry the prefix the deploy
# role may read and delete.
run "smoke_and_the_deploy_role_agree_on_the_prefix" {
  command = plan

  assert {
    condition = anytrue([for s in output.review.policies.deploy_statements :
      try(s.Condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"], []) == ["WEBHOOK#*#${regex("EventIDPrefix = \"([^\"]+)\"", file("../../../shared/smoke/smoke.go"))[0]}*"]
    ])
    error_message = "The deploy role's smoke statement must match shared/smoke's EventIDPrefix."
  }
  assert {
    condition     = output.smoke.table == "payhook-test" && output.smoke.region == "ap-southeast-1" && endswith(output.smoke.url, "/webhook") && output.smoke.secret == output.provider_secret_arn
    error_message = "The smoke arguments name the table, the region, the webhook base URL and the provider secret."
  }
}

# Issue 23, items 3 and 6: the workflows act per environment. The drift
# workflow refreshes each environment with its own drift role and fails on
# drift; each environment's deploys queue on their own group, so a prod
# approval pending never holds dev; the deploy plan stops on what only an
# administrator may apply; an apply refuses a plan older than its
# artifact's retention. (actionlint and .ci/pinned-actions check the
# workflows' syntax and pins in .ci/run.)
run "drift_checks_and_deploys_run_per_environment" {
  command = plan
  variables {
    environment = "prod"
  }

  assert {
    condition = alltrue([for env in keys(output.github.variables.environments) :
      can(regex("- environment: ${env}\\s+role: AWS_DRIFT_ROLE_ARN_${upper(env)}\\s", file("../../../.github/workflows/drift.yml")))
      ]) && strcontains(file("../../../.github/workflows/drift.yml"), "tofu plan -refresh-only -detailed-exitcode") && (
    strcontains(file("../../../.github/workflows/drift.yml"), "gh issue create") && strcontains(file("../../../.github/workflows/drift.yml"), "gh issue comment"))
    error_message = "drift.yml must refresh each environment (-refresh-only -detailed-exitcode) with its own drift role, and open or update its issue."
  }
  assert {
    condition = alltrue([for env in keys(output.github.variables.environments) :
    length(split("group: deploy-${env}\n", file("../../../.github/workflows/deploy.yml"))) == 3]) && !strcontains(file("../../../.github/workflows/deploy.yml"), "group: deploy\n")
    error_message = "Each environment's plan and apply share that environment's concurrency group, and no group spans environments."
  }
  assert {
    condition = alltrue([for env in keys(output.github.variables.environments) :
    can(regex("environment: ${env}\\s+retention-days: \\$\\{\\{ env.PLAN_RETENTION_DAYS \\}\\}\\s+refuse-administrator-changes: \"true\"", file("../../../.github/workflows/deploy.yml")))])
    error_message = "The deploy workflow's plan of each environment stops on a change only an administrator may apply."
  }
  assert {
    condition     = length(output.github.variables.environments) == 1 && strcontains(file("../../../.github/actions/tofu-apply/action.yml"), "if [ \"$age\" -gt $(( RETENTION_DAYS * 86400 )) ]; then") && strcontains(file("../../../.github/actions/tofu-plan/action.yml"), "retention-days: $${{ inputs.retention-days }}")
    error_message = "An apply refuses a plan older than the retention its artifact was uploaded with."
  }
}
