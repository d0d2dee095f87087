terraform {
  required_version = ">= 1.8"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # The bucket and its region come from -backend-config (README: deploy);
  # use_lockfile is S3's native locking: no DynamoDB lock table.
  backend "s3" {
    key          = "payhook/staging/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}
