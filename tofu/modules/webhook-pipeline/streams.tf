locals {
  # The processor wants new webhooks and redriven ones; process.Wants is the
  # same rule in code.
  processor_filters = [
    { eventName = ["INSERT"], dynamodb = { NewImage = { sk = { S = ["WEBHOOK"] }, status = { S = ["RECEIVED"] } } } },
    { eventName = ["MODIFY"], dynamodb = { NewImage = { sk = { S = ["WEBHOOK"] }, status = { S = ["RETRY"] } } } },
  ]
}

resource "aws_lambda_event_source_mapping" "processor" {
  function_name                      = module.processor.function_name
  event_source_arn                   = aws_dynamodb_table.this.stream_arn
  starting_position                  = "TRIM_HORIZON"
  batch_size                         = var.processor_stream.batch_size
  parallelization_factor             = var.processor_stream.parallelization_factor
  maximum_batching_window_in_seconds = var.processor_stream.batching_window_seconds
  function_response_types            = ["ReportBatchItemFailures"]
  bisect_batch_on_function_error     = true
  maximum_retry_attempts             = var.stream_max_retries
  maximum_record_age_in_seconds      = 86400

  filter_criteria {
    dynamic "filter" {
      for_each = local.processor_filters
      content {
        pattern = jsonencode(filter.value)
      }
    }
  }

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.processor_dlq.arn
    }
  }
}

# The auditor sees every change, TTL deletions included: no filter.
resource "aws_lambda_event_source_mapping" "auditor" {
  function_name                      = module.auditor.function_name
  event_source_arn                   = aws_dynamodb_table.this.stream_arn
  starting_position                  = "TRIM_HORIZON"
  batch_size                         = var.auditor_stream.batch_size
  parallelization_factor             = var.auditor_stream.parallelization_factor
  maximum_batching_window_in_seconds = var.auditor_stream.batching_window_seconds
  function_response_types            = ["ReportBatchItemFailures"]
  bisect_batch_on_function_error     = true
  maximum_retry_attempts             = var.stream_max_retries
  maximum_record_age_in_seconds      = 86400

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.auditor_dlq.arn
    }
  }
}
