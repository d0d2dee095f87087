{
  description = "payhook: payment webhooks, verified, stored exactly once, processed";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});

      version = "0.1.0";
      # The NAR hash of `go mod vendor`: go run ./tools/flakecheck -update
      # recomputes it, and .ci/run fails when it no longer matches go.sum.
      vendorHash = "sha256-tKv+MXz9j6DRteEX3lRUMRKECYwOjQ6OqO19MXEO6wg=";
      src = nixpkgs.lib.fileset.toSource {
        root = ./.;
        fileset = nixpkgs.lib.fileset.unions [
          ./go.mod
          ./go.sum
          ./cmd
          ./functions
          ./shared
          ./tools
          ./internal
        ];
      };
      # Every directory under functions/ is a Lambda, as internal/lambdabuild
      # finds them too.
      functions = builtins.attrNames (nixpkgs.lib.filterAttrs (_: type: type == "directory") (builtins.readDir ./functions));
      lambdaBuild = import ./nix/lambda-build.nix;
    in
    {
      packages = forAllSystems (pkgs:
        let
          buildGoModule = pkgs.buildGo126Module;

          # Zips the binaries exactly as `go run ./tools/buildlambdas` does.
          buildlambdas = buildGoModule {
            pname = "payhook-buildlambdas";
            inherit version src vendorHash;
            subPackages = [ "tools/buildlambdas" ];
            env.CGO_ENABLED = "0";
            doCheck = false;
          };

          # internal/lambdabuild's flags (buildGoModule adds -trimpath itself).
          lambdaBinaries = buildGoModule {
            pname = "payhook-lambda-binaries";
            inherit version src vendorHash;
            subPackages = map (f: "functions/${f}") functions;
            env.CGO_ENABLED = "0";
            inherit (lambdaBuild) tags ldflags;
            preBuild = ''
              export GOOS=linux GOARCH=arm64 GOFLAGS="$GOFLAGS -buildvcs=false"
            '';
            doCheck = false;
          };
        in
        rec {
          payhook = buildGoModule {
            pname = "payhook";
            inherit version src vendorHash;
            subPackages = [ "cmd/payhook" ];
            env.CGO_ENABLED = "0";
            ldflags = [ "-s" "-w" ];
            doCheck = false;
            meta.mainProgram = "payhook";
          };

          # receiver.zip, processor.zip, auditor.zip, reconciler.zip (one per
          # directory under functions/): one linux/arm64 bootstrap each, the
          # same bytes on every system.
          lambdas = pkgs.runCommand "payhook-lambdas-${version}" { nativeBuildInputs = [ buildlambdas ]; } ''
            bin=${lambdaBinaries}/bin
            if [ -d "$bin/linux_arm64" ]; then bin=$bin/linux_arm64; fi
            buildlambdas -zip "$bin" -out "$out"
            buildlambdas -check "$out"
          '';

          default = payhook;
        });

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages = with pkgs; [
            go_1_26
            gopls
            opentofu
            actionlint
            awscli2
            jdk17_headless # DynamoDB Local, for the tests
            nodejs # npm installs DynamoDB Local and playwright-core
            jq
            zip
            unzip
          ] ++ pkgs.lib.optionals pkgs.stdenv.isLinux [
            chromium # the console's browser tests (nixpkgs builds it for Linux only)
          ];
        };
      });

      checks = forAllSystems (pkgs: {
        # Every test that needs no emulator. A test file that starts
        # DynamoDB Local, goaws, the runtime emulator or a payhook process
        # says //go:build !sandbox, so the sandbox tag leaves out exactly
        # those: no list to keep. .ci/run runs the same set without a
        # network.
        unit-tests = pkgs.buildGo126Module {
          pname = "payhook-unit-tests";
          inherit version src vendorHash;
          tags = [ "sandbox" ];
          env.CGO_ENABLED = "0";
          doCheck = true;
        };

        tofu-fmt = pkgs.runCommand "payhook-tofu-fmt" { nativeBuildInputs = [ pkgs.opentofu ]; } ''
          tofu fmt -check -recursive ${./tofu}
          tofu fmt -check -recursive ${./envs}
          touch $out
        '';

        lambdas = self.packages.${pkgs.stdenv.hostPlatform.system}.lambdas;
      });
    };
}
