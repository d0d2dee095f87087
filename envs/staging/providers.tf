provider "aws" {
  region = var.region
  default_tags {
    tags = {
      Application = "payhook"
      Environment = var.environment_suffix
      ManagedBy   = "opentofu"
    }
  }
}
