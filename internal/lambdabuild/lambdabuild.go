// Package lambdabuild builds the Lambda binaries with the zips' flags and
// packs them reproducibly. tools/buildlambdas and the runtime-emulator
// test use it; flake.nix takes the same flags from nix/lambda-build.nix,
// and tools/flakecheck checks that the two agree.
package lambdabuild

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Tags and LDFlags are what every function is built with, as
// nix/lambda-build.nix says for the flake. grpcnotrace drops grpc's
// golang.org/x/net/trace (and html/template with it), which only the X-Ray
// SDK pulls in and nothing calls: 267 KB off the processor's zip.
var (
	Tags    = []string{"lambda.norpc", "grpcnotrace"}
	LDFlags = []string{"-s", "-w", "-buildid="}
)

// BuildFlags are the go build flags. buildGoModule adds -trimpath itself;
// -buildvcs=false keeps the commit out of the binary, so a checkout and a
// source tarball build alike.
func BuildFlags() []string {
	return []string{"-trimpath", "-buildvcs=false", "-tags", strings.Join(Tags, ","), "-ldflags", strings.Join(LDFlags, " ")}
}

// Functions are the Lambda entry points: the directories under
// moduleDir/functions, as flake.nix lists them too.
func Functions(moduleDir string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(moduleDir, "functions"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, errors.New("no functions under functions/")
	}
	return names, nil
}

// dosEpoch is 1980-01-01 00:00, the earliest time a zip can hold, in MS-DOS
// date and time fields. Setting those (and not FileHeader.Modified) also
// keeps Go from adding an extended-timestamp extra field.
const (
	dosEpochDate = 1<<5 | 1 // year 1980 (0), month 1, day 1
	dosEpochTime = 0
)

// Build compiles every function for linux/goarch into dir/<name>, from the
// module root moduleDir, with the zips' flags.
func Build(moduleDir, dir, goarch string) error {
	functions, err := Functions(moduleDir)
	if err != nil {
		return err
	}
	pkgs := make([]string, len(functions))
	for i, name := range functions {
		pkgs[i] = "./functions/" + name
	}
	return build(moduleDir, dir, BuildFlags(), []string{"GOOS=linux", "GOARCH=" + goarch, "CGO_ENABLED=0"}, pkgs)
}

// Hello is a hello-world aws-lambda-go function: the baseline the
// functions' cold starts are measured against. HelloSDK is the same with
// the AWS SDK's configuration and the functions' service clients built:
// what of a cold start is the SDK's. Neither is deployed.
const (
	Hello    = "./internal/lambdabuild/hello"
	HelloSDK = "./internal/lambdabuild/hellosdk"
)

// BuildForTests compiles the main packages pkgs (paths relative to the
// module root moduleDir) for this machine into dir/<last element of the
// path>, as tests run them, in one go build. They always have the zips'
// tags and linker flags, so the same code and symbols. Only with shipped
// do they also have the zips' settings that change how every package
// compiles (-trimpath, CGO_ENABLED=0), and so are exactly what ships, for
// this machine's architecture: that compiles the whole dependency graph
// again, which go test's own compile does not share, and on a loaded
// 2-core machine takes longer than go test lets a test binary run.
func BuildForTests(moduleDir, dir string, shipped bool, pkgs ...string) error {
	if shipped {
		return build(moduleDir, dir, BuildFlags(), []string{"CGO_ENABLED=0"}, pkgs)
	}
	flags := []string{"-buildvcs=false", "-tags", strings.Join(Tags, ","), "-ldflags", strings.Join(LDFlags, " ")}
	return build(moduleDir, dir, flags, nil, pkgs)
}

// build compiles pkgs in one go build, which compiles and links them in
// parallel, into dir, with env added to this process's environment.
func build(moduleDir, dir string, flags, env, pkgs []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	args := append([]string{"build"}, flags...)
	// A trailing separator makes -o a directory, one binary per package.
	args = append(args, "-o", dir+string(os.PathSeparator))
	args = append(args, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), env...)
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", strings.Join(pkgs, " "), err, output)
	}
	return nil
}

// ZipAll zips each binary bin/<name> into out/<name>.zip.
func ZipAll(bin, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(bin)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		name := e.Name()
		binary, err := os.ReadFile(filepath.Join(bin, name))
		if err != nil {
			return err
		}
		archive, err := Zip(binary)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, name+".zip"), archive, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Zip is a zip of one executable file named bootstrap.
func Zip(binary []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	//nolint:staticcheck // SA1019: the DOS fields are the point; Modified would add an extended-timestamp field
	header := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, ModifiedDate: dosEpochDate, ModifiedTime: dosEpochTime}
	header.SetMode(0o755)
	w, err := zw.CreateHeader(header)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(binary); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// MaxZipBytes is each zip's budget (issue 7): a cold start downloads the
// zip, and Lambda's own limit for a direct upload is far above it.
const MaxZipBytes = 8 << 20

// Check verifies that a zip holds exactly one executable bootstrap for
// linux/arm64, with no extra fields, within MaxZipBytes.
func Check(raw []byte) error {
	if len(raw) > MaxZipBytes {
		return fmt.Errorf("%d bytes, over the budget of %d (8 MB)", len(raw), MaxZipBytes)
	}
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return err
	}
	if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" {
		return errors.New("must hold exactly one file, bootstrap")
	}
	f := zr.File[0]
	if f.Mode().Perm()&0o111 == 0 || !f.Mode().IsRegular() {
		return errors.New("bootstrap is not an executable file")
	}
	if len(f.Extra) != 0 {
		return errors.New("bootstrap has extra fields (timestamps or owners) that break reproducibility")
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }() // read only
	binary, err := io.ReadAll(rc)
	if err != nil {
		return err
	}
	exe, err := elf.NewFile(bytes.NewReader(binary))
	if err != nil {
		return fmt.Errorf("bootstrap is not an ELF executable: %w", err)
	}
	if exe.Machine != elf.EM_AARCH64 || exe.OSABI != elf.ELFOSABI_NONE || exe.Type != elf.ET_EXEC {
		return fmt.Errorf("bootstrap is %s %s, want a linux/arm64 executable", exe.Machine, exe.Type)
	}
	return nil
}
