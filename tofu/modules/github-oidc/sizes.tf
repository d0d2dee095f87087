# IAM refuses a document over its quota, counting every character but
# whitespace (IAM and AWS STS quotas, read 2026-12-06): a role's inline
# policies together 10,240, a managed policy 6,144 (the boundary is one), a
# trust policy 2,048 unless the account raised it. Mocks accept anything:
# each document is measured here, and a resource whose document is over
# stops the plan.
locals {
  limits = { inline_per_role = 10240, managed = 6144, trust = 2048, managed_per_role = 10 }

  documents = {
    plan   = jsonencode({ Version = "2012-10-17", Statement = local.plan_statements })
    drift  = jsonencode({ Version = "2012-10-17", Statement = local.drift_statements })
    deploy = { for name, statements in local.deploy_policies : name => jsonencode({ Version = "2012-10-17", Statement = statements }) }
  }

  # Apart from the others: the deploy policies name the boundary.
  boundary_document = jsonencode({ Version = "2012-10-17", Statement = local.boundary_statements })
  boundary_size     = length(replace(local.boundary_document, "/\\s/", ""))

  sizes = {
    trust = {
      plan     = length(replace(jsonencode(local.trust.plan), "/\\s/", ""))
      deploy   = length(replace(jsonencode(local.trust.deploy), "/\\s/", ""))
      drift    = length(replace(jsonencode(local.trust.drift), "/\\s/", ""))
      function = length(replace(jsonencode(local.function_trust), "/\\s/", ""))
      schedule = length(replace(jsonencode(local.schedule_trust), "/\\s/", ""))
    }
    # Each CI role holds one inline policy; the function roles' are the
    # pipeline's, measured there.
    inline = {
      plan   = length(replace(local.documents.plan, "/\\s/", ""))
      drift  = length(replace(local.documents.drift, "/\\s/", ""))
      deploy = 0
    }
    managed = merge(
      { for name, document in local.documents.deploy : name => length(replace(document, "/\\s/", "")) },
      { boundary = local.boundary_size },
    )
  }
}
