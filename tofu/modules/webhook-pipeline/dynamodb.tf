locals {
  # Must match dynamo.IndexedAttributes: a test in shared/store/dynamo reads
  # this list from here. Each index also holds the other's hash key.
  indexed_attributes = ["provider", "event_id", "event_type", "occurred_at", "attempts", "last_error", "outcome", "outcome_reason", "source", "change", "updated_by", "updated_at", "expires_at"]
  webhook_indexes = {
    "by-status"  = { hash_key = "status", also = "payment_key" }
    "by-payment" = { hash_key = "payment_key", also = "status" }
  }
}

resource "aws_dynamodb_table" "this" {
  name                        = local.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  stream_enabled              = true
  stream_view_type            = "NEW_AND_OLD_IMAGES"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  attribute {
    name = "status"
    type = "S"
  }

  attribute {
    name = "payment_key"
    type = "S"
  }

  attribute {
    name = "received_at"
    type = "S"
  }

  # What operators list and redrive by (payhook events, payments show,
  # redrive and resend by filter), newest first: webhooks by status and by
  # the payment they are about. Keyed on attributes every webhook already
  # has, so DynamoDB fills them from the items stored before they existed;
  # payments and bindings lack a key and stay out. They hold what a listing
  # shows, never a body or a signature (shared/store/dynamo/query.go says
  # the same list, and CreateTable builds it for tests).
  dynamic "global_secondary_index" {
    for_each = local.webhook_indexes
    content {
      name               = global_secondary_index.key
      hash_key           = global_secondary_index.value.hash_key
      range_key          = "received_at"
      projection_type    = "INCLUDE"
      non_key_attributes = concat(local.indexed_attributes, [global_secondary_index.value.also])
    }
  }

  # The deduplication window: the receiver sets expires_at.
  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  dynamic "warm_throughput" {
    for_each = var.table_warm_throughput == null ? [] : [var.table_warm_throughput]
    content {
      read_units_per_second  = warm_throughput.value.read_units_per_second
      write_units_per_second = warm_throughput.value.write_units_per_second
    }
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.this.arn
  }

  tags = local.tags

  # Every webhook and payment state lives here: no plan may destroy it,
  # whatever the environment (README: Deploy to AWS says how to retire one).
  lifecycle {
    prevent_destroy = true
  }
}
