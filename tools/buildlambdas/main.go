// Command buildlambdas builds the three Lambda zips without Nix, with the
// flake's flags, byte for byte reproducibly: one linux/arm64 `bootstrap`
// per zip, a fixed timestamp, no extra fields.
//
//	go run ./tools/buildlambdas -out result            build and zip
//	go run ./tools/buildlambdas -zip BIN -out result   zip binaries BIN/{receiver,processor,auditor}
//	go run ./tools/buildlambdas -check result          verify zips and print their sha256
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/payhook/payhook/internal/lambdabuild"
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
		err = lambdabuild.ZipAll(*binaries, *out)
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
	if err := lambdabuild.Build(".", bin, "arm64"); err != nil {
		return err
	}
	return lambdabuild.ZipAll(bin, out)
}

// checkZips verifies every function's zip and prints its sha256.
func checkZips(dir string, w io.Writer) error {
	for _, name := range lambdabuild.Functions {
		path := filepath.Join(dir, name+".zip")
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := lambdabuild.Check(raw); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		sum := sha256.Sum256(raw)
		fmt.Fprintf(w, "%s  %s.zip  %d bytes\n", hex.EncodeToString(sum[:]), name, len(raw))
	}
	return nil
}
