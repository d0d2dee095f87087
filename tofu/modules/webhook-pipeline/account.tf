# API Gateway's account-wide CloudWatch Logs role moved to the account root
# (envs/account), which every environment's stage needs applied first: a
# state written before forgets it here without destroying it, and the
# account root imports it (README: Upgrading).
removed {
  from = aws_api_gateway_account.this
  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_iam_role_policy_attachment.api_gateway_logs
  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_iam_role.api_gateway_logs
  lifecycle {
    destroy = false
  }
}
