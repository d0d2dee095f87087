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
  }

  # Exact subjects for deploys; the plan's pull request subject matches any
  # pull request number.
  trust_conditions = {
    deploy = { StringEquals = { "${local.issuer}:aud" = "sts.amazonaws.com", "${local.issuer}:sub" = local.subjects.deploy } }
    plan   = { StringEquals = { "${local.issuer}:aud" = "sts.amazonaws.com" }, StringLike = { "${local.issuer}:sub" = local.subjects.plan } }
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
}

resource "aws_iam_role_policy" "plan" {
  name   = "plan"
  role   = aws_iam_role.plan.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.plan_statements })
}

# Deploys apply a plan after the environment's approval.
resource "aws_iam_role" "deploy" {
  name                 = "${local.name}-github-deploy"
  path                 = local.ci_iam_path
  assume_role_policy   = jsonencode(local.trust.deploy)
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "deploy" {
  name   = "deploy"
  role   = aws_iam_role.deploy.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.deploy_statements })
}
