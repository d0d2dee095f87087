// Command buildlambdas builds the three Lambda zips without Nix, with the
// flake's flags, byte for byte reproducibly: one linux/arm64 `bootstrap`
// per zip, a fixed timestamp, no extra fields.
//
//	go run ./tools/buildlambdas -out result            build and zip
//	go run ./tools/buildlambdas -zip BIN -out result   zip binaries BIN/{receiver,processor,auditor}
//	go run ./tools/buildlambdas -check result          verify zips and print their sha256
package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// Functions are the Lambda entry points, in functions/<name>.
var Functions = []string{"receiver", "processor", "auditor"}

// BuildFlags are the flags every zip's binary is built with; flake.nix
// passes the same ones to buildGoModule. -buildvcs=false keeps the commit
// out of the binary, so a checkout and a source tarball build alike.
var BuildFlags = []string{"-trimpath", "-buildvcs=false", "-tags", "lambda.norpc", "-ldflags", "-s -w -buildid="}

// dosEpoch is 1980-01-01 00:00, the earliest time a zip can hold, in MS-DOS
// date and time fields. Setting those (and not FileHeader.Modified) also
// keeps Go from adding an extended-timestamp extra field.
const (
	dosEpochDate = 1<<5 | 1 // year 1980 (0), month 1, day 1
	dosEpochTime = 0
)

func main() {
	out := flag.String("out", "", "directory to write receiver.zip, processor.zip and auditor.zip to")
	binaries := flag.String("zip", "", "zip prebuilt binaries from this directory instead of building them")
	check := flag.String("check", "", "verify the zips in this directory and print their sha256")
	flag.Parse()
	var err error
	switch {
	case *check != "":
		err = checkZips(*check, os.Stdout)
	case *out == "":
		err = errors.New("give -out DIR (or -check DIR)")
	case *binaries != "":
		err = zipAll(*binaries, *out)
	default:
		err = buildAll(*out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "buildlambdas:", err)
		os.Exit(1)
	}
}

func buildAll(out string) error {
	bin, err := os.MkdirTemp("", "buildlambdas-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bin)
	for _, name := range Functions {
		args := append([]string{"build"}, BuildFlags...)
		args = append(args, "-o", filepath.Join(bin, name), "./functions/"+name)
		cmd := exec.Command("go", args...)
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build %s: %w", name, err)
		}
	}
	return zipAll(bin, out)
}

func zipAll(bin, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, name := range Functions {
		binary, err := os.ReadFile(filepath.Join(bin, name))
		if err != nil {
			return err
		}
		archive, err := zipBootstrap(binary)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, name+".zip"), archive, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// zipBootstrap is a zip of one executable file named bootstrap.
func zipBootstrap(binary []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
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

// checkZips verifies that each zip holds exactly one executable bootstrap
// for linux/arm64, with no extra fields, and prints its sha256.
func checkZips(dir string, w io.Writer) error {
	for _, name := range Functions {
		path := filepath.Join(dir, name+".zip")
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := checkZip(raw); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		sum := sha256.Sum256(raw)
		fmt.Fprintf(w, "%s  %s.zip  %d bytes\n", hex.EncodeToString(sum[:]), name, len(raw))
	}
	return nil
}

func checkZip(raw []byte) error {
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
	defer rc.Close()
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
