# One customer-managed key for the table, queues, topic, secret, log groups
# and function environments. Its policy names each user.
resource "aws_kms_key" "this" {
  description             = "${local.name}: table, queues, topic, secret, logs and function environments"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = jsonencode({ Version = "2012-10-17", Statement = local.key_policy })
  tags                    = local.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.this.key_id
}

locals {
  function_role_arns = [for f in ["receiver", "processor", "auditor"] : "arn:${local.partition}:iam::${local.account_id}:role/${local.name}-${f}"]
  key_policy = [
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
      Sid       = "ServicesOnBehalfOfTheAccount"
      Effect    = "Allow"
      Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
      Action    = ["kms:CreateGrant", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      Resource  = "*"
      Condition = {
        StringEquals = {
          "kms:ViaService" = [for s in ["dynamodb", "sqs", "sns", "secretsmanager", "lambda"] : "${s}.${local.region}.amazonaws.com"]
        }
      }
    },
  ]
}
