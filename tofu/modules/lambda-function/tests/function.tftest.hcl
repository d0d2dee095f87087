# Plan-time checks of one function: its code, its role and its concurrency.

mock_provider "aws" {}

variables {
  name               = "payhook-test-receiver"
  description        = "test"
  zip_path           = "../../tests/lambda-zips/receiver.zip"
  timeout            = 30
  kms_key_arn        = "arn:aws:kms:ap-southeast-1:111122223333:key/test"
  log_retention_days = 14
  role               = { name = "payhook-test-receiver", arn = "arn:aws:iam::111122223333:role/payhook/test/payhook-test-receiver" }
}

run "a_missing_zip_fails_the_plan_naming_it" {
  command = plan
  variables {
    zip_path = "./result/receiver.zip"
  }
  expect_failures = [var.zip_path]
}

run "the_zip_hash_is_the_code_version" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.source_code_hash == filebase64sha256("../../tests/lambda-zips/receiver.zip")
    error_message = "A new build must be a new deployment: the function's code hash is the zip's."
  }
}

# Issue 23, item 2: the role is the administrator's; the function runs as
# it, and this module writes its inline policy and creates no role.
run "the_function_runs_as_the_given_role_and_writes_only_its_policy" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.role == "arn:aws:iam::111122223333:role/payhook/test/payhook-test-receiver" && aws_iam_role_policy.this.role == "payhook-test-receiver"
    error_message = "The function must run as the given role, whose inline policy the module writes."
  }
}

# Issue 23, item 1: IAM allows a role 10,240 characters of inline policy,
# whitespace not counted. A function's policy is measured, and one over
# stops the plan.
run "the_functions_policy_is_measured_against_iams_limit" {
  command = plan

  assert {
    condition     = output.policy_size == length(replace(aws_iam_role_policy.this.policy, "/\\s/", "")) && output.policy_size > 0 && output.policy_size <= 10240
    error_message = "The function's policy is ${output.policy_size} characters; IAM allows 10,240 per role."
  }
}

run "a_policy_over_iams_limit_stops_the_plan" {
  command = plan
  variables {
    # A forwarder of 110 destinations: 110 queues of about 95 characters.
    policy_statements = [{
      sid     = "TakeFromTheDestinationsQueues"
      actions = ["sqs:ReceiveMessage"]
      resources = [
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-00",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-01",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-02",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-03",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-04",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-05",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-06",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-07",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-08",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-09",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-10",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-11",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-12",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-13",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-14",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-15",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-16",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-17",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-18",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-19",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-20",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-21",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-22",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-23",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-24",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-25",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-26",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-27",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-28",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-29",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-30",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-31",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-32",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-33",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-34",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-35",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-36",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-37",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-38",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-39",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-40",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-41",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-42",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-43",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-44",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-45",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-46",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-47",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-48",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-49",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-50",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-51",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-52",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-53",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-54",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-55",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-56",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-57",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-58",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-59",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-60",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-61",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-62",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-63",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-64",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-65",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-66",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-67",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-68",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-69",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-70",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-71",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-72",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-73",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-74",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-75",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-76",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-77",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-78",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-79",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-80",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-81",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-82",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-83",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-84",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-85",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-86",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-87",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-88",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-89",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-90",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-91",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-92",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-93",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-94",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-95",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-96",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-97",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-98",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-99",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-100",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-101",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-102",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-103",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-104",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-105",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-106",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-107",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-108",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-a-destination-named-with-32-chr-109",
      ]
    }]
  }
  expect_failures = [aws_iam_role_policy.this]
}

run "no_reservation_means_the_unreserved_pool" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.reserved_concurrent_executions == -1
    error_message = "Without a reservation the function must use the account's unreserved pool (-1), never 0 (throttled)."
  }
}

run "environment_variables_over_lambdas_4_kb_stop_the_plan" {
  command = plan
  variables {
    # 16 values of 256 characters: 4,096 without their names.
    environment = {
      V00 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      V01 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      V02 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      V03 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      V04 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      V05 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      V06 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      V07 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      V08 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      V09 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      V10 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      V11 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      V12 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      V13 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      V14 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      V15 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    }
  }
  expect_failures = [aws_lambda_function.this]
}
