# GitHub's tokens name the repository, the job's context and the workflow
# file with the ref it ran from, once the repository's subject claim is
# customised to these keys (README: Deploy to AWS). The default subject
# carries no workflow, and an environment job's carries no branch.
locals {
  subject_claim_keys = ["repo", "context", "job_workflow_ref"]
  workflow           = "${var.github_repository}/.github/workflows"
  deploy_ref         = "refs/heads/${var.deploy_branch}"

  subjects = {
    # The deploy workflow on the deploy branch, in this environment's
    # GitHub environment (whose reviewers approve staging and prod).
    deploy = ["repo:${var.github_repository}:environment:${var.environment_suffix}:job_workflow_ref:${local.workflow}/deploy.yml@${local.deploy_ref}"]
    plan = [
      # The deploy workflow's plan job, on the deploy branch's reviewed code...
      "repo:${var.github_repository}:ref:${local.deploy_ref}:job_workflow_ref:${local.workflow}/deploy.yml@${local.deploy_ref}",
      # ...and pull requests' plan jobs, which run the pull request's code.
      var.pull_request_plan_environment == null
      ? "repo:${var.github_repository}:pull_request:job_workflow_ref:${local.workflow}/plan.yml@refs/pull/*/merge"
      : "repo:${var.github_repository}:environment:${var.pull_request_plan_environment}:job_workflow_ref:${local.workflow}/plan.yml@refs/pull/*/merge",
    ]
    # The drift workflow on the deploy branch, scheduled or run by hand.
    drift = ["repo:${var.github_repository}:ref:${local.deploy_ref}:job_workflow_ref:${local.workflow}/drift.yml@${local.deploy_ref}"]
  }

  # Exact subjects for deploys and drift checks; the plan's pull request
  # subject matches any pull request number.
  trust_conditions = {
    deploy = { StringEquals = { "${local.issuer}:aud" = "sts.amazonaws.com", "${local.issuer}:sub" = local.subjects.deploy } }
    plan   = { StringEquals = { "${local.issuer}:aud" = "sts.amazonaws.com" }, StringLike = { "${local.issuer}:sub" = local.subjects.plan } }
    drift  = { StringEquals = { "${local.issuer}:aud" = "sts.amazonaws.com", "${local.issuer}:sub" = local.subjects.drift } }
  }
  trust = { for role, condition in local.trust_conditions : role => {
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = local.provider_arn }
      Condition = condition
    }]
  } }
}

# Plans read the state and what the data sources need; nothing else.
resource "aws_iam_role" "plan" {
  name                 = "${local.name}-github-plan"
  path                 = local.ci_iam_path
  assume_role_policy   = jsonencode(local.trust.plan)
  max_session_duration = 3600
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = local.sizes.trust.plan <= local.limits.trust
      error_message = "${local.name}-github-plan's trust policy takes ${local.sizes.trust.plan} characters; IAM allows ${local.limits.trust}."
    }
  }
}

resource "aws_iam_role_policy" "plan" {
  name   = "plan"
  role   = aws_iam_role.plan.id
  policy = local.documents.plan

  lifecycle {
    precondition {
      condition     = local.sizes.inline.plan <= local.limits.inline_per_role
      error_message = "${local.name}-github-plan's inline policy takes ${local.sizes.inline.plan} characters; IAM allows ${local.limits.inline_per_role} per role."
    }
  }
}

# Deploys apply a plan after the environment's approval. Their permissions
# are managed policies under the CI path, which the deploy role itself is
# denied changing: one inline policy would pass IAM's 10,240 characters.
resource "aws_iam_role" "deploy" {
  name                 = "${local.name}-github-deploy"
  path                 = local.ci_iam_path
  assume_role_policy   = jsonencode(local.trust.deploy)
  max_session_duration = 3600
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = local.sizes.trust.deploy <= local.limits.trust
      error_message = "${local.name}-github-deploy's trust policy takes ${local.sizes.trust.deploy} characters; IAM allows ${local.limits.trust}."
    }
    precondition {
      condition     = length(local.deploy_policies) <= local.limits.managed_per_role
      error_message = "${local.name}-github-deploy would hold ${length(local.deploy_policies)} managed policies; IAM attaches ${local.limits.managed_per_role} to a role unless the account raised it."
    }
  }
}

resource "aws_iam_policy" "deploy" {
  for_each    = local.deploy_policies
  name        = "${local.name}-github-deploy-${each.key}"
  path        = local.ci_iam_path
  description = "What ${local.name}'s deploy role may do: ${each.key}"
  policy      = local.documents.deploy[each.key]
  tags        = var.tags

  lifecycle {
    precondition {
      condition     = local.sizes.managed[each.key] <= local.limits.managed
      error_message = "${local.name}-github-deploy-${each.key} takes ${local.sizes.managed[each.key]} characters; IAM allows ${local.limits.managed} in a managed policy."
    }
  }
}

resource "aws_iam_role_policy_attachment" "deploy" {
  for_each   = aws_iam_policy.deploy
  role       = aws_iam_role.deploy.name
  policy_arn = each.value.arn
}

# Scheduled drift checks refresh the state against AWS and read nothing of
# the data (.github/workflows/drift.yml).
resource "aws_iam_role" "drift" {
  name                 = "${local.name}-github-drift"
  path                 = local.ci_iam_path
  assume_role_policy   = jsonencode(local.trust.drift)
  max_session_duration = 3600
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = local.sizes.trust.drift <= local.limits.trust
      error_message = "${local.name}-github-drift's trust policy takes ${local.sizes.trust.drift} characters; IAM allows ${local.limits.trust}."
    }
  }
}

resource "aws_iam_role_policy" "drift" {
  name   = "drift"
  role   = aws_iam_role.drift.id
  policy = local.documents.drift

  lifecycle {
    precondition {
      condition     = local.sizes.inline.drift <= local.limits.inline_per_role
      error_message = "${local.name}-github-drift's inline policy takes ${local.sizes.inline.drift} characters; IAM allows ${local.limits.inline_per_role} per role."
    }
  }
}
