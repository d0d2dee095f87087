# A test helper for the environment roots: their committed deployment
# values (terraform.tfvars.json in the directory the tests run in), with the
# fixture zips instead of ../../result, which tests never build.
output "deployment" {
  description = "The root's deployment, with lambda_zip_dir set to the fixtures."
  value       = merge(jsondecode(file("terraform.tfvars.json")).deployment, { lambda_zip_dir = "../../tofu/tests/lambda-zips" })
}
