# One customer-managed key for the table, queues, topic, secret, log groups
# and function environments. Its policy names each user.
resource "aws_kms_key" "this" {
  description             = "${local.name}: table, queues, topic, secret, logs and function environments"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = jsonencode({ Version = "2012-10-17", Statement = local.key_policy })
  tags                    = local.tags

  # Destroying the key makes the table, the dead letters and the audit
  # trail's log group unreadable: no plan may do it.
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_kms_alias" "this" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.this.key_id
}

locals {
  # The roles of the functions this environment runs, as their ARNs from
  # the administrator's roles: a key policy may only name principals that
  # exist, and those do before any of this.
  function_role_arns = [for f in ["receiver", "processor", "auditor", "reconciler", "forwarder"] : var.function_roles[f].arn if contains(keys(local.zip), f)]
  event_bus_arn      = "arn:${local.partition}:events:${local.region}:${local.account_id}:event-bus/${local.event_bus_name}"
  key_policy = concat([
    {
      # Named actions rather than kms:*: what the deploy role needs to manage
      # the key, and no more can be delegated through IAM.
      Sid       = "AccountAdministersTheKey"
      Effect    = "Allow"
      Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
      Action = [
        "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:GetKeyRotationStatus", "kms:EnableKeyRotation",
        "kms:ListResourceTags", "kms:TagResource", "kms:UntagResource", "kms:UpdateKeyDescription", "kms:EnableKey", "kms:DisableKey",
        "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias",
        "kms:ListGrants", "kms:RevokeGrant",
      ]
      Resource = "*"
    },
    {
      Sid       = "FunctionsUseTheKey"
      Effect    = "Allow"
      Principal = { AWS = local.function_role_arns }
      Action    = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      Resource  = "*"
    },
    {
      Sid       = "LogsEncryptTheLogGroups"
      Effect    = "Allow"
      Principal = { Service = "logs.${local.region}.amazonaws.com" }
      Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"]
      Resource  = "*"
      Condition = {
        ArnLike = { "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*" }
      }
    },
    {
      Sid       = "AlarmsPublishToTheEncryptedTopic"
      Effect    = "Allow"
      Principal = { Service = "cloudwatch.amazonaws.com" }
      Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
      Resource  = "*"
    },
    {
      # The account root's rule routes Access Analyzer's findings to the
      # encrypted topic: EventBridge encrypts them through SNS, for that
      # topic only (its encryption context).
      Sid       = "EventBridgePublishesToTheEncryptedTopic"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
      Resource  = "*"
      Condition = { StringEquals = { "kms:EncryptionContext:aws:sns:topicArn" = local.alert_topic_arn } }
    },
    {
      Sid       = "ServicesOnBehalfOfTheAccount"
      Effect    = "Allow"
      Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
      Action    = ["kms:CreateGrant", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      Resource  = "*"
      Condition = {
        StringEquals = {
          "kms:ViaService" = [for s in ["dynamodb", "sqs", "sns", "secretsmanager"] : "${s}.${local.region}.amazonaws.com"]
        }
      }
    },
    {
      # Lambda encrypts a function's environment variables with the
      # permissions of whoever creates or updates the function: kms:Encrypt
      # and kms:CreateGrant to configure the key, kms:Decrypt to read the
      # variables back (AWS Lambda Developer Guide, "Securing Lambda
      # environment variables", read 2026-11-28). IAM decides which
      # principals of the account may; the deploy role may.
      Sid       = "FunctionConfigurersEncryptEnvironments"
      Effect    = "Allow"
      Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
      Action    = ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"]
      Resource  = "*"
      Condition = { StringEquals = { "kms:ViaService" = "lambda.${local.region}.amazonaws.com" } }
    },
    {
      # ...and the grant Lambda creates with them, for the function only.
      Sid       = "LambdaGrantsForFunctions"
      Effect    = "Allow"
      Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
      Action    = ["kms:CreateGrant"]
      Resource  = "*"
      Condition = {
        StringEquals = { "kms:ViaService" = "lambda.${local.region}.amazonaws.com" }
        Bool         = { "kms:GrantIsForAWSResource" = "true" }
      }
    },
    ], var.event_bus_enabled ? [
    {
      # EventBridge encrypts the events on the bus with the key, bound to
      # the bus (EventBridge User Guide, "Authorizing EventBridge to use a
      # customer managed key", read 2026-11-28).
      Sid       = "EventBridgeEncryptsTheBus"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
      Resource  = "*"
      Condition = {
        StringEquals = {
          "aws:SourceArn"                                  = local.event_bus_arn
          "kms:EncryptionContext:aws:events:event-bus:arn" = local.event_bus_arn
        }
      }
    },
    {
      Sid       = "EventBridgeChecksTheKey"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = ["kms:DescribeKey"]
      Resource  = "*"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    },
    ] : [], local.forward_enabled ? [
    {
      # EventBridge sends the destinations' events to their encrypted
      # queues, and what it cannot deliver to their dead-letter queues: SQS
      # asks the key for EventBridge, bound to those queues by SQS's
      # encryption context (Amazon SQS Developer Guide, "Encryption at
      # rest"); each queue's policy admits only its destination's rule.
      Sid       = "EventBridgeQueuesForTheDestinations"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
      Resource  = "*"
      Condition = { StringEquals = { "kms:EncryptionContext:aws:sqs:arn" = local.forward_queue_arns } }
    },
  ] : [])
}
