# Plan-time checks of what GitHub's workflows may do in AWS: who may assume
# each role, and what each role, and every role it creates, may do.

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
}

override_resource {
  target = aws_iam_policy.boundary
  values = { arn = "arn:aws:iam::111122223333:policy/payhook/prod/payhook-prod-boundary" }
}

variables {
  github_repository  = "acme/payhook"
  environment_suffix = "prod"
  state_bucket       = "acme-tofu-state"
}

# Issue 11, item 10: a deploy needs the deploy workflow, from the deploy
# branch, in the environment's GitHub environment.
run "deploys_come_only_from_the_deploy_workflow_on_main_in_the_environment" {
  command = plan

  assert {
    condition     = output.policies.deploy_trust.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == ["repo:acme/payhook:environment:prod:job_workflow_ref:acme/payhook/.github/workflows/deploy.yml@refs/heads/main"]
    error_message = "Only deploy.yml on main, in the prod GitHub environment, may assume prod's deploy role."
  }
  assert {
    condition     = alltrue([for p in [output.policies.plan_trust, output.policies.deploy_trust] : p.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"])
    error_message = "Tokens must be meant for STS."
  }
  assert {
    condition     = output.github_subject_claim_keys == ["repo", "context", "job_workflow_ref"]
    error_message = "The subjects above need the repository's subject claim customised to repo, context and job_workflow_ref."
  }
}

# Item 9: pull requests plan with the pull request's code; prod's only in a
# protected GitHub environment.
run "pull_requests_and_the_deploy_workflow_plan" {
  command = plan

  assert {
    condition = output.policies.plan_trust.Statement[0].Condition.StringLike["token.actions.githubusercontent.com:sub"] == [
      "repo:acme/payhook:ref:refs/heads/main:job_workflow_ref:acme/payhook/.github/workflows/deploy.yml@refs/heads/main",
      "repo:acme/payhook:pull_request:job_workflow_ref:acme/payhook/.github/workflows/plan.yml@refs/pull/*/merge",
    ]
    error_message = "Plans come from deploy.yml on main, or from plan.yml in a pull request."
  }
}

run "prods_pull_request_plans_need_a_protected_environment" {
  command = plan
  variables {
    pull_request_plan_environment = "prod-plan"
  }

  assert {
    condition     = contains(output.policies.plan_trust.Statement[0].Condition.StringLike["token.actions.githubusercontent.com:sub"], "repo:acme/payhook:environment:prod-plan:job_workflow_ref:acme/payhook/.github/workflows/plan.yml@refs/pull/*/merge")
    error_message = "Pull requests must plan prod in the prod-plan GitHub environment."
  }
  assert {
    condition     = !anytrue([for s in output.policies.plan_trust.Statement[0].Condition.StringLike["token.actions.githubusercontent.com:sub"] : strcontains(s, ":pull_request:")])
    error_message = "No pull request job outside the protected environment may plan prod."
  }
}

run "plans_read_the_state_and_nothing_of_the_data" {
  command = plan

  assert {
    condition = alltrue(flatten([for s in output.policies.plan_statements : [for a in s.Action :
    contains(["s3:ListBucket", "s3:GetObject", "servicequotas:GetServiceQuota", "servicequotas:GetAWSDefaultServiceQuota", "ssm:GetParametersByPath"], a)]]))
    error_message = "The plan role may only list and read the state and read the Lambda quota and the environments' reservations of it."
  }
  assert {
    condition     = [for s in output.policies.plan_statements : s.Resource if contains(s.Action, "ssm:GetParametersByPath")] == [["arn:aws:ssm:ap-southeast-1:111122223333:parameter/payhook/reserved-concurrency"]]
    error_message = "The plan role reads the parameters under /payhook/reserved-concurrency, and no other."
  }
  assert {
    condition = alltrue([for s in output.policies.plan_statements : alltrue([for r in s.Resource : startswith(r, "arn:aws:s3:::acme-tofu-state/payhook/prod/")])
    if contains(s.Action, "s3:GetObject")])
    error_message = "The plan role may read no object outside the environment's state."
  }
}

# Item 7: each environment's roles reach only its own state.
run "state_access_stays_under_the_environments_prefix" {
  command = plan

  assert {
    condition = alltrue(flatten([for s in concat(output.policies.plan_statements, output.policies.deploy_statements, output.policies.drift_statements) : [for r in s.Resource :
      r == "arn:aws:s3:::acme-tofu-state" ? s.Condition.StringLike["s3:prefix"] == ["payhook/prod/*"] : startswith(r, "arn:aws:s3:::acme-tofu-state/payhook/prod/")
    if startswith(r, "arn:aws:s3:::")] if s.Effect == "Allow"]))
    error_message = "Every state permission must be confined to payhook/prod/."
  }
}

# Issue 23, item 2: roles are the administrator's. The deploy role creates,
# deletes, re-trusts or re-bounds none; it writes the function roles'
# policies, under the environment's path, while they carry the boundary.
run "the_deploy_role_creates_deletes_and_retrusts_no_role" {
  command = plan

  assert {
    condition = !anytrue([for s in output.policies.deploy_statements : length(setintersection(s.Action, [
      "iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:PutRolePermissionsBoundary",
      "iam:DeleteRolePermissionsBoundary", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:CreateServiceLinkedRole",
    ])) > 0 if s.Effect == "Allow"])
    error_message = "No statement may allow the deploy role to create, delete, re-trust, re-bound, attach to or tag a role."
  }
  assert {
    condition = anytrue([for s in output.policies.deploy_statements : s.Effect == "Deny" && s.Resource == ["*"] && !can(s.Condition) &&
      alltrue([for a in ["iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary", "iam:AttachRolePolicy"] : contains(s.Action, a)])])
    error_message = "Whatever else is ever allowed, creating, deleting, re-trusting or re-bounding any role must be denied outright."
  }
  assert {
    condition = [for s in output.policies.deploy_statements : [s.Resource, s.Condition] if s.Effect == "Allow" && length(setintersection(s.Action, ["iam:PutRolePolicy", "iam:DeleteRolePolicy"])) > 0] == [
    [["arn:aws:iam::111122223333:role/payhook/prod/*"], { StringEquals = { "iam:PermissionsBoundary" = "arn:aws:iam::111122223333:policy/payhook/prod/payhook-prod-boundary" } }]]
    error_message = "Role policies may be written only under /payhook/prod/ and only on roles with the boundary."
  }
  assert {
    condition = anytrue([for s in output.policies.deploy_statements : s.Effect == "Deny" && s.Resource == ["*"] && s.Action == ["iam:PutRolePolicy"] &&
    s.Condition.StringNotEquals["iam:PermissionsBoundary"] == "arn:aws:iam::111122223333:policy/payhook/prod/payhook-prod-boundary"])
    error_message = "Whatever else is allowed, a role policy on a role without the boundary must be denied."
  }
}

# ...so the administrator's apply creates every role the pipeline can use,
# under the path, with the boundary and the trust of its service.
run "the_administrators_apply_creates_the_function_roles" {
  command = plan

  assert {
    condition     = toset(keys(output.function_roles)) == toset(["auditor", "forwarder", "processor", "reconciler", "receiver"]) && output.function_roles.receiver.name == "payhook-prod-receiver"
    error_message = "Every function the pipeline can have gets its role, named after it."
  }
  assert {
    condition = alltrue([for r in concat(values(aws_iam_role.function), [aws_iam_role.reconcile_schedule]) :
    r.path == "/payhook/prod/" && r.permissions_boundary == "arn:aws:iam::111122223333:policy/payhook/prod/payhook-prod-boundary"])
    error_message = "Every function role and the schedule's sits under the environment's path with its boundary."
  }
  assert {
    condition = alltrue([for r in aws_iam_role.function : jsondecode(r.assume_role_policy).Statement == [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]]) && (
      jsondecode(aws_iam_role.reconcile_schedule.assume_role_policy).Statement == [{ Effect = "Allow", Principal = { Service = "scheduler.amazonaws.com" }, Action = "sts:AssumeRole",
    Condition = { StringEquals = { "aws:SourceAccount" = "111122223333" } } }])
    error_message = "Function roles trust Lambda alone; the schedule's role trusts this account's schedules alone."
  }
}

run "the_deploy_role_can_never_change_itself_or_a_boundary" {
  command = plan

  assert {
    condition = anytrue([for s in output.policies.deploy_statements : s.Effect == "Deny" && contains(s.Resource, "arn:aws:iam::111122223333:role/payhook-ci/*") &&
    alltrue([for a in ["iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRolePermissionsBoundary", "iam:PassRole"] : contains(s.Action, a)])])
    error_message = "The CI roles, the deploy role among them, must be denied every change."
  }
  assert {
    condition     = aws_iam_role.deploy.path == "/payhook-ci/" && aws_iam_role.plan.path == "/payhook-ci/" && aws_iam_role.drift.path == "/payhook-ci/"
    error_message = "The CI roles must live outside the workload path."
  }
  assert {
    condition = anytrue([for s in output.policies.deploy_statements : s.Effect == "Deny" && toset(s.Resource) == toset(["arn:aws:iam::111122223333:policy/payhook/*", "arn:aws:iam::111122223333:policy/payhook-ci/*"]) &&
    alltrue([for a in ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion"] : contains(s.Action, a)])])
    error_message = "The boundaries and the CI roles' own managed policies must be denied every change."
  }
  assert {
    # Whatever the denies say, nothing allowed reaches the CI roles, the
    # account roles or any policy with an IAM write.
    condition = !anytrue(flatten([for s in output.policies.deploy_statements : [for r in s.Resource :
      r == "*" || startswith(r, "arn:aws:iam::111122223333:role/payhook-ci/") || startswith(r, "arn:aws:iam::111122223333:role/payhook-account/") || startswith(r, "arn:aws:iam::111122223333:policy/")
    ] if s.Effect == "Allow" && length(setintersection(s.Action, concat(local.role_writes, ["iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:SetDefaultPolicyVersion"]))) > 0]))
    error_message = "No allowed IAM write may name the CI roles, the account roles, a policy, or every resource."
  }
  assert {
    condition     = alltrue([for p in aws_iam_policy.deploy : p.path == "/payhook-ci/"]) && length(aws_iam_role_policy_attachment.deploy) == length(aws_iam_policy.deploy)
    error_message = "The deploy role's managed policies live under the CI path, covered by the deny, and are all attached."
  }
}

# Roles go to Lambda, and the reconciler schedule's role alone to
# EventBridge Scheduler; never anywhere else, never a CI or account role.
run "roles_are_passed_to_lambda_and_the_schedules_role_to_the_scheduler_only" {
  command = plan

  assert {
    condition = alltrue([for s in output.policies.deploy_statements :
      try(s.Condition.StringEquals["iam:PassedToService"], "") == "lambda.amazonaws.com" && s.Resource == ["arn:aws:iam::111122223333:role/payhook/prod/*"] ||
      try(s.Condition.StringEquals["iam:PassedToService"], "") == "scheduler.amazonaws.com" && s.Resource == ["arn:aws:iam::111122223333:role/payhook/prod/payhook-prod-reconciler-schedule"]
    if s.Effect == "Allow" && contains(s.Action, "iam:PassRole")])
    error_message = "iam:PassRole only for the environment's roles and only to Lambda, or for the reconciler schedule's role and only to EventBridge Scheduler."
  }
  assert {
    condition = length([for s in output.policies.deploy_statements : s if s.Effect == "Allow" && contains(s.Action, "iam:PassRole")]) == 2 && alltrue([
    for s in output.policies.deploy_statements : s.Action == ["iam:PassRole"] if s.Effect == "Allow" && contains(s.Action, "iam:PassRole")])
    error_message = "Exactly two statements pass roles, each granting iam:PassRole alone."
  }
}

# The schedules the deploy role manages are the environment's, by name.
run "schedules_are_the_environments_own" {
  command = plan

  assert {
    condition = alltrue([for s in output.policies.deploy_statements : s.Resource == ["arn:aws:scheduler:ap-southeast-1:111122223333:schedule/default/payhook-prod-*"]
    if s.Effect == "Allow" && anytrue([for a in s.Action : startswith(a, "scheduler:")])])
    error_message = "Scheduler permissions must name the environment's schedules in the default group, in its region and account."
  }
  assert {
    condition = toset(flatten([for s in output.policies.deploy_statements : [for a in s.Action : a if startswith(a, "scheduler:")] if s.Effect == "Allow"])) == toset([
    "scheduler:CreateSchedule", "scheduler:GetSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"])
    error_message = "The deploy role manages schedules and nothing else of EventBridge Scheduler (no schedule groups)."
  }
  assert {
    condition     = !anytrue([for s in output.policies.plan_statements : anytrue([for a in s.Action : startswith(a, "scheduler:") || a == "iam:PassRole"])])
    error_message = "The plan role neither reads schedules nor passes roles."
  }
}

# The boundary caps every role the deploy role creates, the schedule's
# among them: they may invoke the reconciler and nothing else, and manage
# nothing.
run "bounded_roles_may_invoke_only_the_reconciler_and_manage_nothing" {
  command = plan

  assert {
    condition = [for s in output.policies.boundary_statements : s.Resource if anytrue([for a in s.Action : startswith(a, "lambda:")])] == [
    ["arn:aws:lambda:ap-southeast-1:111122223333:function:payhook-prod-reconciler"]]
    error_message = "The boundary may allow invoking the reconciler, and no other function."
  }
  assert {
    condition     = toset(flatten([for s in output.policies.boundary_statements : [for a in s.Action : a if startswith(a, "lambda:")]])) == toset(["lambda:InvokeFunction"])
    error_message = "The boundary allows no Lambda action but invoking."
  }
  assert {
    condition = !anytrue(flatten([for s in output.policies.boundary_statements : [for a in s.Action :
    startswith(a, "iam:") || startswith(a, "scheduler:") || startswith(a, "sts:") || startswith(a, "kms:Create") || startswith(a, "kms:Put")]]))
    error_message = "No bounded role may manage roles, policies, schedules, keys or assume roles."
  }
}

# Issue 17: the event destinations' rules are the environment's, on its
# buses; only their queues may be consumed, by roles under the boundary.
run "event_rules_and_forward_queues_are_the_environments" {
  command = plan

  assert {
    condition = alltrue([for s in output.policies.deploy_statements : s.Resource == ["arn:aws:events:ap-southeast-1:111122223333:rule/payhook-prod-*/payhook-prod-*"]
    if s.Effect == "Allow" && length(setintersection(s.Action, ["events:PutRule", "events:PutTargets", "events:DeleteRule", "events:RemoveTargets"])) > 0])
    error_message = "Rules and targets may be written only on the environment's buses, under its names."
  }
  assert {
    condition = toset(flatten([for s in output.policies.deploy_statements : [for a in s.Action : a if contains(["events:PutRule", "events:PutTargets", "events:DeleteRule", "events:RemoveTargets"], a)] if s.Effect == "Allow"])) == toset([
    "events:PutRule", "events:PutTargets", "events:DeleteRule", "events:RemoveTargets"])
    error_message = "The deploy role must be able to manage the event destinations' rules and targets."
  }
  assert {
    condition = [for s in output.policies.boundary_statements : s.Resource if contains(s.Action, "sqs:ReceiveMessage")] == [
    ["arn:aws:sqs:ap-southeast-1:111122223333:payhook-prod-forward-*"]]
    error_message = "Bounded roles may consume the event destinations' queues and no other."
  }
}

# Item 8: API Gateway, WAF and event source mapping writes are the
# environment's, by ARN or by tag.
run "api_gateway_waf_and_mapping_writes_are_scoped" {
  command = plan

  assert {
    condition = alltrue([for s in output.policies.deploy_statements : (!contains(s.Resource, "*") || can(s.Condition))
      if s.Effect == "Allow" && anytrue([for a in s.Action : startswith(a, "apigateway:") || startswith(a, "wafv2:") ||
    contains(["lambda:CreateEventSourceMapping", "lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping"], a)])])
    error_message = "API Gateway, WAF and event source mapping writes must name their resources or carry a condition."
  }
  assert {
    condition = alltrue(flatten([for s in output.policies.deploy_statements : [for r in s.Resource : strcontains(r, ":ap-southeast-1:") || strcontains(r, ":apigateway:ap-southeast-1::")]
    if s.Effect == "Allow" && anytrue([for a in s.Action : startswith(a, "apigateway:") || startswith(a, "wafv2:")])]))
    error_message = "API Gateway and WAF permissions must be confined to the environment's region."
  }
  assert {
    condition = alltrue([for s in output.policies.deploy_statements : try(s.Condition.ArnLike["lambda:FunctionArn"], "") == "arn:aws:lambda:ap-southeast-1:111122223333:function:payhook-prod-*"
    if s.Effect == "Allow" && length(setintersection(s.Action, ["lambda:CreateEventSourceMapping", "lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping"])) > 0])
    error_message = "Event source mappings may be written only for the environment's functions."
  }
}

run "smoke_may_read_and_remove_only_its_own_webhooks" {
  command = plan

  assert {
    condition     = [for s in output.policies.deploy_statements : s.Resource if s.Effect == "Allow" && contains(s.Action, "secretsmanager:GetSecretValue")] == [["arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:payhook-prod/providers-*"]]
    error_message = "The deploy role may read the webhook keys smoke signs with, and no other secret: not the API credentials, not the event destinations'."
  }

  assert {
    condition = alltrue([for s in output.policies.deploy_statements : s.Condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] == ["WEBHOOK#*#payhook-smoke-*"]
    if s.Effect == "Allow" && length(setintersection(s.Action, ["dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:Scan"])) > 0])
    error_message = "The deploy role may read and delete only payhook smoke's own webhooks."
  }
}

run "every_action_is_named" {
  command = plan

  assert {
    condition     = alltrue(flatten([for s in concat(output.policies.deploy_statements, output.policies.plan_statements, output.policies.drift_statements, output.policies.boundary_statements) : [for a in s.Action : !strcontains(a, "*")]]))
    error_message = "A statement has a wildcard action."
  }
}

# The "also" list: the repository has no default, and must look like one.
run "the_repository_is_owner_and_name" {
  command = plan
  variables {
    github_repository = "payhook"
  }
  expect_failures = [var.github_repository]
}

# Issue 23, item 3: the drift check runs drift.yml on the deploy branch
# only, and reads what a refresh reads: no write, no data.
run "drift_checks_come_from_the_drift_workflow_on_main_and_only_read" {
  command = plan

  assert {
    condition = output.policies.drift_trust.Statement[0].Condition.StringEquals == {
      "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
      "token.actions.githubusercontent.com:sub" = ["repo:acme/payhook:ref:refs/heads/main:job_workflow_ref:acme/payhook/.github/workflows/drift.yml@refs/heads/main"]
    }
    error_message = "Only drift.yml on main may assume the drift role."
  }
  assert {
    condition = alltrue(flatten([for s in output.policies.drift_statements : [for a in s.Action :
    can(regex("^[a-z0-9-]+:(Get|Describe|List)[A-Za-z]*$", a)) || contains(["kms:Decrypt", "apigateway:GET"], a)] if s.Effect == "Allow"]))
    error_message = "The drift role may only get, describe and list (and decrypt the functions' settings)."
  }
  assert {
    condition = !anytrue(flatten([for s in output.policies.drift_statements : [for a in s.Action : contains([
      "secretsmanager:GetSecretValue", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:GetRecords", "sqs:ReceiveMessage", "s3:PutObject", "s3:DeleteObject",
    "lambda:InvokeFunction", "kms:GenerateDataKey", "logs:GetLogEvents", "logs:FilterLogEvents"], a)]]))
    error_message = "The drift role reads no secret value, item, stream record, message or log line, and writes nothing, the state included."
  }
  assert {
    condition = [for s in output.policies.drift_statements : s.Condition if contains(s.Action, "kms:Decrypt")] == [{ StringEquals = {
      "aws:ResourceTag/Application" = "payhook", "aws:ResourceTag/Environment" = "prod", "kms:ViaService" = "lambda.ap-southeast-1.amazonaws.com"
    } }]
    error_message = "The drift role decrypts only through Lambda (a function's settings), only with the environment's key."
  }
  assert {
    condition     = output.github_actions_variables.repository["AWS_DRIFT_ROLE_ARN_PROD"] == aws_iam_role.drift.arn
    error_message = "drift.yml finds the role in AWS_DRIFT_ROLE_ARN_PROD."
  }
}

# Issue 23, item 6: the key is the environment's by its tags. Each KMS
# statement that names keys by a wildcard carries both tags, and a new key
# must be created with them.
run "kms_permissions_hold_to_the_environments_tags" {
  command = plan

  assert {
    condition = alltrue([for s in concat(output.policies.deploy_statements, output.policies.drift_statements, output.policies.boundary_statements) :
      s.Condition.StringEquals["aws:ResourceTag/Application"] == "payhook" && s.Condition.StringEquals["aws:ResourceTag/Environment"] == "prod"
      if s.Effect == "Allow" && contains(s.Resource, "arn:aws:kms:ap-southeast-1:111122223333:key/*") &&
    length([for a in s.Action : a if !contains(["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"], a)]) > 0])
    error_message = "Every KMS permission on key/* (but pointing the environment's own alias) must hold to the keys tagged Application = payhook, Environment = prod."
  }
  assert {
    condition = [for s in output.policies.deploy_statements : s.Condition if contains(s.Action, "kms:CreateKey")] == [{ StringEquals = {
      "aws:RequestTag/Application" = "payhook", "aws:RequestTag/Environment" = "prod"
    } }]
    error_message = "A key may be created only with the environment's tags."
  }
  assert {
    condition     = [for s in output.policies.deploy_statements : s.Resource if contains(s.Action, "kms:CreateAlias")] == [["arn:aws:kms:ap-southeast-1:111122223333:alias/payhook-prod", "arn:aws:kms:ap-southeast-1:111122223333:key/*"]]
    error_message = "Only the environment's own alias may be created or moved."
  }
}

# Issue 23, item 6: the boundary's resources, statement by statement: the
# environment's own, and no wider.
run "the_boundary_names_the_environments_resources" {
  command = plan

  assert {
    condition = { for s in output.policies.boundary_statements : s.Sid => s.Resource } == {
      WriteOwnLogs        = ["arn:aws:logs:ap-southeast-1:111122223333:log-group:/aws/lambda/payhook-prod-*"]
      Trace               = ["*"]
      Table               = ["arn:aws:dynamodb:ap-southeast-1:111122223333:table/payhook-prod"]
      Stream              = ["arn:aws:dynamodb:ap-southeast-1:111122223333:table/payhook-prod/stream/*"]
      DeadLetters         = ["arn:aws:sqs:ap-southeast-1:111122223333:payhook-prod-*"]
      TakeForwards        = ["arn:aws:sqs:ap-southeast-1:111122223333:payhook-prod-forward-*"]
      Alerts              = ["arn:aws:sns:ap-southeast-1:111122223333:payhook-prod-*"]
      Events              = ["arn:aws:events:ap-southeast-1:111122223333:event-bus/payhook-prod-*"]
      ProviderKeys        = ["arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:payhook-prod/*"]
      Key                 = ["arn:aws:kms:ap-southeast-1:111122223333:key/*"]
      InvokeTheReconciler = ["arn:aws:lambda:ap-southeast-1:111122223333:function:payhook-prod-reconciler"]
    }
    error_message = "Each boundary statement must name exactly the environment's resources: ${jsonencode({ for s in output.policies.boundary_statements : s.Sid => s.Resource })}."
  }
  assert {
    condition     = [for s in output.policies.boundary_statements : s.Condition if s.Sid == "Key"] == [{ StringEquals = { "aws:ResourceTag/Application" = "payhook", "aws:ResourceTag/Environment" = "prod" } }]
    error_message = "The boundary's key statement holds to the environment's tags."
  }
  assert {
    condition     = alltrue([for s in output.policies.boundary_statements : s.Effect == "Allow" && !can(s.NotAction) && !can(s.NotResource)])
    error_message = "The boundary only allows, by named actions and resources."
  }
}

# ...and a name that would make them ambiguous is refused.
run "an_environment_name_with_a_dash_is_refused" {
  command = plan
  variables {
    environment_suffix = "prod-eu"
  }
  expect_failures = [var.environment_suffix]
}

# The account root's names are payhook-account-*: an environment named
# account would reach its findings' dead-letter queue, key alias and alarm.
run "an_environment_named_as_the_account_root_is_refused" {
  command = plan
  variables {
    environment_suffix = "account"
  }
  expect_failures = [var.environment_suffix]
}
