# Plan-time checks of event destinations (issue 17, on AWS): what each
# destination gets, what the forwarder may do, and what is refused.

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
}

# The mock gives every instance of a resource block the same values, and
# overrides cannot name one instance: the checks below hold each attribute
# to the block it must come from; the names tell the instances apart.

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
  schedule_role     = { name = "payhook-test-reconciler-schedule", arn = "arn:aws:iam::111122223333:role/payhook/test/payhook-test-reconciler-schedule" }
  event_bus_enabled = true
  event_destinations = [
    { name = "ledger", url = "https://ledger.example.com/payhook", event_types = ["payment.succeeded", "dispute.opened"] },
    { name = "crm", url = "https://crm.example.com:8443/hooks?tenant=7" },
  ]
}

run "each_destination_gets_a_secret_a_rule_a_queue_a_dead_letter_queue_and_a_mapping" {
  command = plan

  assert {
    condition = alltrue([for r in [aws_secretsmanager_secret.forward, aws_cloudwatch_event_rule.forward, aws_cloudwatch_event_target.forward, aws_sqs_queue.forward, aws_sqs_queue.forward_dlq,
    aws_sqs_queue_policy.forward, aws_sqs_queue_policy.forward_dlq, aws_lambda_event_source_mapping.forward, aws_cloudwatch_metric_alarm.forward_dlq, aws_cloudwatch_metric_alarm.forward_backlog] : keys(r) == ["crm", "ledger"]])
    error_message = "Each destination needs its secret, rule, target, queue, dead-letter queue, their policies, its mapping and its alarms."
  }
  assert {
    condition     = aws_sqs_queue.forward["ledger"].name == "payhook-test-forward-ledger" && aws_sqs_queue.forward_dlq["ledger"].name == "payhook-test-forward-ledger-dlq" && aws_cloudwatch_event_rule.forward["ledger"].name == "payhook-test-forward-ledger"
    error_message = "The queues and the rule are named after the environment and the destination."
  }
  assert {
    condition     = aws_secretsmanager_secret.forward["ledger"].name == "payhook-test/forward/ledger" && aws_secretsmanager_secret.forward["ledger"].kms_key_id == aws_kms_key.this.arn
    error_message = "The destination's secret lives under the environment's secrets (the boundary's), encrypted with the key."
  }
  assert {
    condition     = length(module.forwarder) == 1 && output.functions.forwarder.name == "payhook-test-forwarder"
    error_message = "One forwarder serves every destination."
  }
}

run "rules_match_the_destinations_types_on_the_bus_and_feed_its_queue" {
  command = plan

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.forward["ledger"].event_pattern) == {
      source = ["payhook"], "detail-type" = ["payment.succeeded", "dispute.opened"]
    }
    error_message = "The ledger's rule matches payhook's events of its two types."
  }
  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.forward["crm"].event_pattern)["detail-type"] == local.canonical_event_types && length(local.canonical_event_types) == 11
    error_message = "A destination without types gets every canonical type."
  }
  assert {
    condition     = alltrue([for r in aws_cloudwatch_event_rule.forward : r.event_bus_name == aws_cloudwatch_event_bus.events[0].name])
    error_message = "The rules are on the stack's bus."
  }
  assert {
    condition = alltrue([for name, t in aws_cloudwatch_event_target.forward : t.arn == aws_sqs_queue.forward[name].arn && t.rule == aws_cloudwatch_event_rule.forward[name].name &&
    t.dead_letter_config[0].arn == aws_sqs_queue.forward_dlq[name].arn && t.retry_policy[0].maximum_event_age_in_seconds == 86400])
    error_message = "Each rule's target is its destination's queue, and what EventBridge cannot queue goes to the destination's dead-letter queue."
  }
}

run "only_the_destinations_rule_may_send_to_its_queues" {
  command = plan

  assert {
    condition = alltrue(flatten([for name, rule in aws_cloudwatch_event_rule.forward : [for policy, queue in {
      (aws_sqs_queue_policy.forward[name].policy) = aws_sqs_queue.forward[name], (aws_sqs_queue_policy.forward_dlq[name].policy) = aws_sqs_queue.forward_dlq[name] } :
      jsondecode(policy).Statement == [{
        Sid       = "TheDestinationsRuleSends", Effect = "Allow", Principal = { Service = "events.amazonaws.com" }, Action = "sqs:SendMessage", Resource = queue.arn,
        Condition = { ArnEquals = { "aws:SourceArn" = rule.arn } }
    }]]]))
    error_message = "Each queue's policy, and its dead-letter queue's, lets EventBridge send for that destination's rule only."
  }
  assert {
    condition = anytrue([for s in jsondecode(aws_kms_key.this.policy).Statement : s.Sid == "EventBridgeQueuesForTheDestinations" && s.Principal.Service == "events.amazonaws.com" &&
      s.Condition.StringEquals["kms:EncryptionContext:aws:sqs:arn"] == [
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-crm", "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-crm-dlq",
        "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-ledger", "arn:aws:sqs:ap-southeast-1:111122223333:payhook-test-forward-ledger-dlq",
    ]])
    error_message = "The key lets EventBridge encrypt for the destinations' queues, and no others."
  }
}

run "queues_are_encrypted_and_dead_letter_after_the_window" {
  command = plan

  assert {
    condition = alltrue([for name, q in aws_sqs_queue.forward : q.kms_master_key_id == aws_kms_key.this.arn && aws_sqs_queue.forward_dlq[name].kms_master_key_id == aws_kms_key.this.arn &&
    q.message_retention_seconds == 1209600 && aws_sqs_queue.forward_dlq[name].message_retention_seconds == 1209600])
    error_message = "The queues and dead-letter queues are encrypted with the key and keep messages 14 days."
  }
  assert {
    condition = alltrue([for name, q in aws_sqs_queue.forward : jsondecode(q.redrive_policy) == { deadLetterTargetArn = aws_sqs_queue.forward_dlq[name].arn, maxReceiveCount = 242 }
    && q.visibility_timeout_seconds == 360])
    error_message = "Each queue's backstop is its own dead-letter queue, after more receives than a 24 h window holds; a failed invocation waits 6 function timeouts."
  }
}

run "the_forwarder_takes_each_queue_with_partial_failures_and_a_cap" {
  command = plan

  assert {
    condition = alltrue([for name, m in aws_lambda_event_source_mapping.forward : m.event_source_arn == aws_sqs_queue.forward[name].arn && m.function_name == module.forwarder[0].function_name &&
    m.function_response_types == toset(["ReportBatchItemFailures"]) && m.scaling_config[0].maximum_concurrency == 5 && m.batch_size == 10])
    error_message = "Each queue feeds the forwarder in batches of 10, reporting failed items, at most 5 at once."
  }
  assert {
    condition     = output.functions.forwarder.configuration.reserved_concurrency == 10 && output.protection.reserved_concurrency == 171
    error_message = "The forwarder reserves its destinations' caps together (2 × 5), on top of the 161."
  }
  assert {
    condition     = output.functions.forwarder.configuration.tracing_mode == "Active" && output.functions.forwarder.configuration.environment_kms_key == aws_kms_key.this.arn
    error_message = "The forwarder is traced and its environment encrypted like the others."
  }
}

run "the_forwarder_is_told_each_destination_and_may_touch_only_theirs" {
  command = plan

  assert {
    condition = jsondecode(output.functions.forwarder.configuration.environment.PAYHOOK_FORWARD_DESTINATIONS) == jsondecode(jsonencode([for name, d in { crm = var.event_destinations[1], ledger = var.event_destinations[0] } : {
      name                  = name, url = d.url, event_types = d.event_types, queue_arn = aws_sqs_queue.forward[name].arn, queue_url = aws_sqs_queue.forward[name].url,
      dead_letter_queue_url = aws_sqs_queue.forward_dlq[name].url, secret_arn = aws_secretsmanager_secret.forward[name].arn
    }])) && output.functions.forwarder.configuration.environment.PAYHOOK_FORWARD_RETRY_WINDOW == "24h"
    error_message = "PAYHOOK_FORWARD_DESTINATIONS names each destination's URL, types, queues and secret (forward.ParseAWSDestinations)."
  }
  assert {
    condition = { for s in output.functions.forwarder.statements : s.sid => [sort(s.actions), sort(s.resources)] if !contains(["WriteOwnLogs", "Trace", "DecryptEnvironment"], s.sid) } == {
      TakeFromTheDestinationsQueues            = [sort(["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"]), sort([for q in aws_sqs_queue.forward : q.arn])]
      DeadLetters                              = [sort(["sqs:SendMessage"]), sort([for q in aws_sqs_queue.forward_dlq : q.arn])]
      ReadSigningSecrets                       = [sort(["secretsmanager:GetSecretValue"]), sort([for s in aws_secretsmanager_secret.forward : s.arn])]
      ReadMessagesAndSecretsEncryptDeadLetters = [sort(["kms:Decrypt", "kms:GenerateDataKey"]), sort([aws_kms_key.this.arn])]
    }
    error_message = "The forwarder takes from the destinations' queues, sends to their dead-letter queues, reads their secrets and uses the key: nothing else."
  }
  assert {
    condition     = contains([for s in jsondecode(aws_kms_key.this.policy).Statement : s.Principal.AWS if s.Sid == "FunctionsUseTheKey"][0], module.forwarder[0].role_arn)
    error_message = "The key lets the forwarder read the queues and the secrets."
  }
}

run "destinations_raise_alarms_and_have_a_dashboard_widget" {
  command = plan

  assert {
    condition = alltrue([for name, a in aws_cloudwatch_metric_alarm.forward_dlq : a.dimensions.QueueName == aws_sqs_queue.forward_dlq[name].name && a.threshold == 0 &&
    a.alarm_actions == toset([aws_sns_topic.alerts.arn]) && strcontains(a.alarm_description, "start-message-move-task")])
    error_message = "Any dead letter of a destination raises an alarm that says how to move it back."
  }
  assert {
    condition = alltrue([for name, a in aws_cloudwatch_metric_alarm.forward_backlog : a.dimensions.QueueName == aws_sqs_queue.forward[name].name && a.metric_name == "ApproximateAgeOfOldestMessage" &&
    a.threshold == 3600 && a.alarm_actions == toset([aws_sns_topic.alerts.arn])])
    error_message = "A destination whose oldest message waits over an hour raises an alarm."
  }
  assert {
    condition     = contains(keys(aws_cloudwatch_metric_alarm.function_errors), "forwarder") && contains(keys(aws_cloudwatch_metric_alarm.function_throttles), "forwarder")
    error_message = "The forwarder's errors and throttles raise alarms like the other functions'."
  }
  assert {
    condition     = anytrue([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : strcontains(w.properties.title, "Event destinations") && length(w.properties.metrics) == 6])
    error_message = "The dashboard shows each destination's backlog, oldest message and dead letters."
  }
}

run "without_destinations_nothing_forwards" {
  command = plan
  variables {
    event_destinations = []
  }

  assert {
    condition = (length(module.forwarder) == 0 && length(aws_sqs_queue.forward) == 0 && length(aws_sqs_queue.forward_dlq) == 0 && length(aws_cloudwatch_event_rule.forward) == 0 &&
    length(aws_lambda_event_source_mapping.forward) == 0 && length(aws_secretsmanager_secret.forward) == 0 && length(aws_cloudwatch_metric_alarm.forward_dlq) == 0)
    error_message = "Without destinations there is no forwarder, queue, rule, mapping, secret or alarm."
  }
  assert {
    condition = !contains(keys(output.functions), "forwarder") && output.event_destinations == {} && output.protection.reserved_concurrency == 161 && !anytrue([
    for s in jsondecode(aws_kms_key.this.policy).Statement : s.Sid == "EventBridgeQueuesForTheDestinations"])
    error_message = "Without destinations nothing names the forwarder, nothing is reserved for it and the key admits no destination queue."
  }
}

run "a_destinations_retry_window_and_cap_can_be_chosen" {
  command = plan
  variables {
    forward_retry_window_hours = 72
    forwarder                  = { timeout = 90, memory_size = 256, max_concurrency = 20 }
  }

  assert {
    condition = (output.functions.forwarder.configuration.environment.PAYHOOK_FORWARD_RETRY_WINDOW == "72h" &&
      jsondecode(aws_sqs_queue.forward["ledger"].redrive_policy).maxReceiveCount == 626 && aws_sqs_queue.forward["ledger"].visibility_timeout_seconds == 540 &&
    aws_lambda_event_source_mapping.forward["ledger"].scaling_config[0].maximum_concurrency == 20 && output.functions.forwarder.configuration.reserved_concurrency == 40)
    error_message = "The window, the timeout and the cap reach the function, the queues and the mappings."
  }
}

run "a_destination_in_clear_is_refused" {
  command = plan
  variables {
    event_destinations = [{ name = "ledger", url = "http://ledger.example.com/payhook" }]
  }
  expect_failures = [var.event_destinations]
}

run "credentials_in_a_destinations_url_are_refused" {
  command = plan
  variables {
    event_destinations = [{ name = "ledger", url = "https://user:hunter22@ledger.example.com/payhook" }]
  }
  expect_failures = [var.event_destinations]
}

run "an_unknown_event_type_is_refused" {
  command = plan
  variables {
    event_destinations = [{ name = "ledger", url = "https://ledger.example.com/payhook", event_types = ["payment.succeded"] }]
  }
  expect_failures = [var.event_destinations]
}

run "a_name_used_twice_is_refused" {
  command = plan
  variables {
    event_destinations = [{ name = "ledger", url = "https://a.example.com/" }, { name = "ledger", url = "https://b.example.com/" }]
  }
  expect_failures = [var.event_destinations]
}

run "a_name_that_is_another_destinations_dead_letter_queue_is_refused" {
  command = plan
  variables {
    event_destinations = [{ name = "ledger", url = "https://a.example.com/" }, { name = "ledger-dlq", url = "https://b.example.com/" }]
  }
  expect_failures = [var.event_destinations]
}

run "destinations_need_the_event_bus" {
  command = plan
  variables {
    event_bus_enabled = false
  }
  expect_failures = [var.event_destinations]
}

run "a_cap_below_sqs_mappings_minimum_is_refused" {
  command = plan
  variables {
    forwarder = { timeout = 60, memory_size = 256, max_concurrency = 1 }
  }
  expect_failures = [var.forwarder]
}

# Issue 23, item 6: a destination's rule, <prefix>-<environment>-forward-<name>,
# must fit EventBridge's 64 characters: with a 16-character environment, a
# 31-character name fits and a 32-character one is refused.
run "a_rule_name_that_fits_eventbridges_64_characters" {
  command = plan
  variables {
    environment_suffix = "abcdefghijklmnop"
    event_destinations = [{ name = "abcdefghijklmnopqrstuvwxyz01234", url = "https://ledger.example.com/payhook" }]
  }

  assert {
    condition     = length(aws_cloudwatch_event_rule.forward["abcdefghijklmnopqrstuvwxyz01234"].name) == 64
    error_message = "The longest name that fits makes a 64-character rule."
  }
}

run "a_rule_name_over_eventbridges_64_characters_is_refused" {
  command = plan
  variables {
    environment_suffix = "abcdefghijklmnop"
    event_destinations = [{ name = "abcdefghijklmnopqrstuvwxyz012345", url = "https://ledger.example.com/payhook" }]
  }
  expect_failures = [var.event_destinations]
}

# Issue 23, item 6: every target on the bus has a dead-letter queue, the
# destination's own, which its queue policy lets the rule write.
run "every_bus_target_has_a_dead_letter_queue" {
  command = plan

  assert {
    condition     = alltrue([for name, t in aws_cloudwatch_event_target.forward : t.dead_letter_config[0].arn == aws_sqs_queue.forward_dlq[name].arn])
    error_message = "Every event destination's target dead-letters to the destination's own queue."
  }
}
