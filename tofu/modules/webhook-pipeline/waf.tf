resource "aws_wafv2_ip_set" "providers" {
  name               = "${local.name}-providers"
  scope              = "REGIONAL"
  ip_address_version = "IPV4"
  addresses          = toset(flatten(values(var.provider_source_cidrs)))
  tags               = local.tags
}

resource "aws_wafv2_web_acl" "this" {
  name  = local.name
  scope = "REGIONAL"

  default_action {
    allow {}
  }

  # Providers send from a few published addresses: they get their own,
  # higher limit...
  rule {
    name     = "provider-source-rate"
    priority = 1
    action {
      block {}
    }
    statement {
      rate_based_statement {
        limit                 = var.provider_rate_limit
        evaluation_window_sec = var.waf_rate_window_seconds
        aggregate_key_type    = "IP"
        scope_down_statement {
          ip_set_reference_statement {
            arn = aws_wafv2_ip_set.providers.arn
          }
        }
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-provider-source-rate"
      sampled_requests_enabled   = true
    }
  }

  # ...and every other source is held to the per-IP limit.
  rule {
    name     = "per-ip-rate"
    priority = 2
    action {
      block {}
    }
    statement {
      rate_based_statement {
        limit                 = var.waf_rate_limit
        evaluation_window_sec = var.waf_rate_window_seconds
        aggregate_key_type    = "IP"
        scope_down_statement {
          not_statement {
            statement {
              ip_set_reference_statement {
                arn = aws_wafv2_ip_set.providers.arn
              }
            }
          }
        }
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-per-ip-rate"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = local.name
    sampled_requests_enabled   = true
  }
  tags = local.tags
}

resource "aws_wafv2_web_acl_association" "api" {
  resource_arn = aws_api_gateway_stage.this.arn
  web_acl_arn  = aws_wafv2_web_acl.this.arn
}
