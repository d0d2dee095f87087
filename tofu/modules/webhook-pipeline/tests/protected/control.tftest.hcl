# Issue 23, item 6: prevent_destroy, asserted through the plan. The
# module is applied (mocked), then a plan replaces a dead-letter queue,
# which nothing protects: this file must PASS, showing that the apply and
# the plan work, so that the refusals the others show are prevent_destroy's.
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
  mock_data "aws_servicequotas_service_quota" {
    defaults = { value = 1000 }
  }
  mock_data "aws_ssm_parameters_by_path" {
    defaults = { names = [], values = [] }
  }
}

variables {
  environment_suffix = "test"
  lambda_zip_dir     = "../../tests/lambda-zips"
  function_roles = {
    receiver   = { name = "payhook-test-receiver", arn = "arn:aws:iam::111122223333:role/payhook/test/payhook-test-receiver" }
    processor  = { name = "payhook-test-processor", arn = "arn:aws:iam::111122223333:role/payhook/test/payhook-test-processor" }
    auditor    = { name = "payhook-test-auditor", arn = "arn:aws:iam::111122223333:role/payhook/test/payhook-test-auditor" }
    reconciler = { name = "payhook-test-reconciler", arn = "arn:aws:iam::111122223333:role/payhook/test/payhook-test-reconciler" }
    forwarder  = { name = "payhook-test-forwarder", arn = "arn:aws:iam::111122223333:role/payhook/test/payhook-test-forwarder" }
  }
  schedule_role = { name = "payhook-test-reconciler-schedule", arn = "arn:aws:iam::111122223333:role/payhook/test/payhook-test-reconciler-schedule" }
}

run "applied" {
  command = apply
}

run "replacing_an_unprotected_queue_is_planned" {
  command = plan
  plan_options {
    replace = [aws_sqs_queue.auditor_dlq]
  }
}
