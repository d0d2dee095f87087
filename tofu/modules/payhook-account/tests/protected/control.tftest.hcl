# Issue 23, item 6: prevent_destroy, asserted through the plan. The
# module is applied (mocked), then a plan replaces the dead-letter queue: nothing
# protects it, so this file must PASS: the refusal the other shows is
# prevent_destroy's.
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

run "replacing_an_unprotected_queue_is_planned" {
  command = plan
  plan_options {
    replace = [aws_sqs_queue.access_findings_dlq]
  }
}
