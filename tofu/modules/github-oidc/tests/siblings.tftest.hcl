# Issue 23, item 4: one environment's rights never reach another's.

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

# No environment's patterns reach a sibling's names.
# Names have no dash, so every pattern that names the environment ends at
# the dash, slash or colon after it. The allowed patterns that differ
# between prod and a sibling (prod2) are compared: each side's, with every
# wildcard filled in, must match none of the other's. Patterns alike in
# both (key/*, event-source-mapping:*, *) are scoped by conditions, whose
# values are compared too.
run "a_siblings_names_match_none_of_prods_patterns" {
  command = plan
  module {
    source = "./tests/siblings"
  }
  variables {
    environments = ["prod", "prod2"]
  }

  assert {
    # The matcher itself: prod's functions pattern does match a function
    # of an environment named prod-eu, which is why such a name is refused.
    condition = can(regex("^${replace(replace(one([for p in output.allowed.prod : p if endswith(p, ":function:payhook-prod-*")]), "/[.+?^$()\\[\\]{}|\\\\]/", "\\$${0}"), "*", ".*")}$",
    "arn:aws:lambda:ap-southeast-1:111122223333:function:payhook-prod-eu-receiver"))
    error_message = "The glob matcher must match what a wildcard covers."
  }
  assert {
    condition = !anytrue(flatten([for mine, theirs in { prod = "prod2", prod2 = "prod" } : [
      for p in setsubtract(output.allowed[mine], output.allowed[theirs]) : [
        for n in setsubtract(output.allowed[theirs], output.allowed[mine]) :
        can(regex("^${replace(replace(p, "/[.+?^$()\\[\\]{}|\\\\]/", "\\$${0}"), "*", ".*")}$", replace(n, "*", "x")))
      ]
    ]]))
    error_message = "One environment's pattern matches a name of its sibling's."
  }
  assert {
    condition     = length(setsubtract(output.allowed.prod, output.allowed.prod2)) > 20
    error_message = "Most of an environment's patterns name it; the comparison must not be empty."
  }
}

