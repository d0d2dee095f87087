# Issue 23, item 6: prevent_destroy, asserted through the plan. The
# module is applied (mocked), then a plan replaces the account key: OpenTofu must
# refuse it ("Instance cannot be destroyed"). This file is expected to FAIL
# that way; .ci/protected runs it and checks the refusal names
# aws_kms_key.account.
# (Run apart from tests/: a failing run would skip the ones after it.)

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

run "applied" {
  command = apply
}

run "replacing_the_key_is_refused" {
  command = plan
  plan_options {
    replace = [aws_kms_key.account]
  }
}
