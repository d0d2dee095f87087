# Issue 23, item 6: a deployment snapshots the API, and the stage serves
# that snapshot until the next deployment. The stage is redeployed when the
# method or its integration changes in place (here: the receiver replaced,
# so the integration's URI changes while every id stays), and only then.
# Every id and computed value is pinned alike in both instances.

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
  mock_resource "aws_api_gateway_rest_api" {
    defaults = { id = "a1b2c3", root_resource_id = "r00t", execution_arn = "arn:aws:execute-api:ap-southeast-1:111122223333:a1b2c3", arn = "arn:aws:apigateway:ap-southeast-1::/restapis/a1b2c3" }
  }
  mock_resource "aws_api_gateway_resource" {
    defaults = { id = "res123", path = "/webhook/{provider}", region = "ap-southeast-1" }
  }
  mock_resource "aws_api_gateway_method" {
    defaults = { id = "agm-a1b2c3-res123-ANY", region = "ap-southeast-1" }
  }
  mock_resource "aws_api_gateway_integration" {
    defaults = { id = "agi-a1b2c3-res123-ANY", cache_namespace = "res123", passthrough_behavior = "WHEN_NO_MATCH", region = "ap-southeast-1", response_transfer_mode = "BUFFERED" }
  }
}

override_resource {
  target = module.before.module.receiver.aws_lambda_function.this
  values = { invoke_arn = "arn:aws:apigateway:ap-southeast-1:lambda:path/2015-03-31/functions/arn:aws:lambda:ap-southeast-1:111122223333:function:payhook-test-receiver/invocations" }
}

run "an_unchanged_api_is_not_redeployed" {
  command = plan
  module {
    source = "./tests/redeploy"
  }
  override_resource {
    target = module.after.module.receiver.aws_lambda_function.this
    values = { invoke_arn = "arn:aws:apigateway:ap-southeast-1:lambda:path/2015-03-31/functions/arn:aws:lambda:ap-southeast-1:111122223333:function:payhook-test-receiver/invocations" }
  }

  assert {
    condition     = output.redeploy.before == output.redeploy.after
    error_message = "The same API must not be redeployed at every apply."
  }
}

run "an_integration_changed_in_place_redeploys_the_stage" {
  command = plan
  module {
    source = "./tests/redeploy"
  }
  override_resource {
    target = module.after.module.receiver.aws_lambda_function.this
    values = { invoke_arn = "arn:aws:apigateway:ap-southeast-1:lambda:path/2015-03-31/functions/arn:aws:lambda:ap-southeast-1:111122223333:function:payhook-test-receiver:2/invocations" }
  }

  assert {
    condition     = output.redeploy.before != output.redeploy.after
    error_message = "An integration whose settings change, with the same ids, must redeploy the stage."
  }
}
