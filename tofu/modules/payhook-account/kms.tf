# The account root's key: X-Ray's traces (one setting per account and
# region) and the findings' dead-letter queue.
resource "aws_kms_key" "account" {
  description             = "${local.name}: X-Ray traces and the access findings' dead letters"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = jsonencode({ Version = "2012-10-17", Statement = local.key_policy })
  tags                    = local.tags

  # Destroying it would leave the traces unreadable and stop X-Ray storing
  # new ones.
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_kms_alias" "account" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.account.key_id
}

locals {
  findings_dlq_arn = "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${local.name}-access-findings-dlq"
  key_policy = [
    {
      # Named actions rather than kms:*: the administrator manages the key.
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
      # X-Ray encrypts and decrypts traces for the account's principals that
      # IAM allows: whoever configures the encryption, and whoever reads
      # traces (X-Ray Developer Guide, "Data protection in AWS X-Ray").
      Sid       = "XRayForTheAccount"
      Effect    = "Allow"
      Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
      Action    = ["kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"]
      Resource  = "*"
      Condition = { StringEquals = { "kms:ViaService" = "xray.${local.region}.amazonaws.com" } }
    },
    {
      # SQS for the account's principals (reading the dead letters).
      Sid       = "SQSForTheAccount"
      Effect    = "Allow"
      Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
      Action    = ["kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"]
      Resource  = "*"
      Condition = { StringEquals = { "kms:ViaService" = "sqs.${local.region}.amazonaws.com" } }
    },
    {
      # EventBridge puts the findings it could not deliver on the encrypted
      # dead-letter queue, that queue only.
      Sid       = "EventBridgeDeadLetters"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
      Resource  = "*"
      Condition = { StringEquals = { "kms:EncryptionContext:aws:sqs:arn" = local.findings_dlq_arn } }
    },
  ]
}

# X-Ray encrypts every trace of the account, in this region, with the key.
resource "aws_xray_encryption_config" "this" {
  type   = "KMS"
  key_id = aws_kms_key.account.arn
}
