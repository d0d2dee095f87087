// Command flakecheck keeps flake.nix honest where no machine here can run
// `nix build`: it parses flake.nix, checks flake.lock's structure, and
// computes the vendorHash buildGoModule will expect, as buildGoModule does:
// `go mod vendor` in a scratch copy, then the NAR hash of the vendor
// directory (`nix hash path`). Needs Debian's nix-bin.
//
//	go run ./tools/flakecheck           check; exit 1 on any mismatch
//	go run ./tools/flakecheck -update   write the computed vendorHash into flake.nix
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/payhook/payhook/internal/lambdabuild"
)

var vendorHashLine = regexp.MustCompile(`vendorHash = "([^"]*)";`)

func main() {
	update := flag.Bool("update", false, "write the computed vendorHash into flake.nix")
	flag.Parse()
	if err := run(*update); err != nil {
		fmt.Fprintln(os.Stderr, "flakecheck:", err)
		os.Exit(1)
	}
}

func run(update bool) error {
	for _, tool := range []string{"nix", "nix-instantiate", "git", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("needs %s on PATH (Debian: apt-get install nix-bin)", tool)
		}
	}
	if out, err := exec.Command("nix-instantiate", "--parse", "flake.nix").CombinedOutput(); err != nil {
		return fmt.Errorf("flake.nix does not parse:\n%s", out)
	}
	fmt.Println("flake.nix parses")
	if err := checkLock("flake.lock"); err != nil {
		return fmt.Errorf("flake.lock: %w", err)
	}
	fmt.Println("flake.lock is well formed: nixpkgs pinned to a revision and NAR hash")

	if err := checkLambdaFlags(); err != nil {
		return err
	}
	fmt.Println("nix/lambda-build.nix agrees with internal/lambdabuild's flags")

	flake, err := os.ReadFile("flake.nix")
	if err != nil {
		return err
	}
	found := vendorHashLine.FindSubmatch(flake)
	if found == nil {
		return errors.New(`flake.nix has no vendorHash = "...";`)
	}
	want, err := vendorHash()
	if err != nil {
		return err
	}
	if string(found[1]) == want {
		fmt.Println("vendorHash matches go.mod and go.sum:", want)
		return nil
	}
	if !update {
		return fmt.Errorf("flake.nix vendorHash is %s, but go.mod and go.sum give %s: run go run ./tools/flakecheck -update", found[1], want)
	}
	updated := vendorHashLine.ReplaceAll(flake, []byte(`vendorHash = "`+want+`";`))
	if err := os.WriteFile("flake.nix", updated, 0o644); err != nil {
		return err
	}
	fmt.Println("vendorHash updated:", want)
	return nil
}

// checkLambdaFlags evaluates nix/lambda-build.nix, which needs nothing
// from nixpkgs, and compares it with the flags the non-Nix build uses.
func checkLambdaFlags() error {
	out, err := exec.Command("nix-instantiate", "--eval", "--strict", "--json", "nix/lambda-build.nix").Output()
	if err != nil {
		return fmt.Errorf("evaluate nix/lambda-build.nix: %w", err)
	}
	var flags struct {
		Tags    []string `json:"tags"`
		LDFlags []string `json:"ldflags"`
	}
	if err := json.Unmarshal(out, &flags); err != nil {
		return fmt.Errorf("nix/lambda-build.nix: %w", err)
	}
	if !slices.Equal(flags.Tags, lambdabuild.Tags) || !slices.Equal(flags.LDFlags, lambdabuild.LDFlags) {
		return fmt.Errorf("nix/lambda-build.nix builds with tags %q and ldflags %q, internal/lambdabuild with %q and %q: make them one",
			flags.Tags, flags.LDFlags, lambdabuild.Tags, lambdabuild.LDFlags)
	}
	return nil
}

// checkLock checks a lock with one input, nixpkgs, pinned from GitHub.
func checkLock(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var lock struct {
		Version int    `json:"version"`
		Root    string `json:"root"`
		Nodes   map[string]struct {
			Inputs map[string]string `json:"inputs"`
			Locked *struct {
				LastModified int64  `json:"lastModified"`
				NarHash      string `json:"narHash"`
				Owner        string `json:"owner"`
				Repo         string `json:"repo"`
				Rev          string `json:"rev"`
				Type         string `json:"type"`
			} `json:"locked"`
			Original *struct {
				Owner string `json:"owner"`
				Ref   string `json:"ref"`
				Repo  string `json:"repo"`
				Type  string `json:"type"`
			} `json:"original"`
		} `json:"nodes"`
	}
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&lock); err != nil {
		return fmt.Errorf("not a flake lock: %w", err)
	}
	root, ok := lock.Nodes[lock.Root]
	switch {
	case lock.Version != 7:
		return fmt.Errorf("version %d, want 7", lock.Version)
	case !ok:
		return fmt.Errorf("root node %q missing", lock.Root)
	case len(root.Inputs) != 1 || root.Inputs["nixpkgs"] == "":
		return errors.New("the root must have exactly one input, nixpkgs")
	}
	node, ok := lock.Nodes[root.Inputs["nixpkgs"]]
	switch {
	case !ok || node.Locked == nil || node.Original == nil:
		return errors.New("nixpkgs must be locked and have its original reference")
	case node.Locked.Type != "github" || node.Locked.Owner != "NixOS" || node.Locked.Repo != "nixpkgs":
		return errors.New("nixpkgs must come from github:NixOS/nixpkgs")
	case !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(node.Locked.Rev):
		return errors.New("nixpkgs must be locked to a full commit")
	case !strings.HasPrefix(node.Locked.NarHash, "sha256-") || node.Locked.LastModified == 0:
		return errors.New("nixpkgs needs its narHash and lastModified")
	}
	return nil
}

// vendorHash vendors the module's tracked files in a scratch copy and
// hashes the vendor directory.
func vendorHash() (string, error) {
	scratch, err := os.MkdirTemp("", "flakecheck-")
	if err != nil {
		return "", err
	}
	defer func() { _ = os.RemoveAll(scratch) }() // a temporary directory
	files, err := exec.Command("git", "ls-files", "-co", "--exclude-standard", "-z").Output()
	if err != nil {
		return "", fmt.Errorf("git ls-files: %w", err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(files), "\x00"), "\x00") {
		// Nested go.mod files come too: a directory with its own module
		// (tools/standins) is outside the root module, for Nix as here.
		if base := filepath.Base(name); !strings.HasSuffix(name, ".go") && base != "go.mod" && base != "go.sum" {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			return "", err
		}
		target := filepath.Join(scratch, name)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(target, data, 0o644); err != nil {
			return "", err
		}
	}
	vendor := exec.Command("go", "mod", "vendor")
	vendor.Dir = scratch
	vendor.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if out, err := vendor.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go mod vendor: %w\n%s", err, out)
	}
	out, err := exec.Command("nix", "--extra-experimental-features", "nix-command", "hash", "path", filepath.Join(scratch, "vendor")).Output()
	if err != nil {
		return "", fmt.Errorf("nix hash path: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}
