# How the Lambda binaries are built, for flake.nix. internal/lambdabuild
# builds with the same flags, and `go run ./tools/flakecheck` fails when
# the two differ.
{
  tags = [ "lambda.norpc" "grpcnotrace" ];
  ldflags = [ "-s" "-w" "-buildid=" ];
}
