// Command buildlambdas builds the Lambda zips (one per directory under
// functions/) without Nix, with the flake's flags, byte for byte
// reproducibly: one linux/arm64 `bootstrap` per zip, a fixed timestamp, no
// extra fields.
//
//	go run ./tools/buildlambdas -out result            build and zip
//	go run ./tools/buildlambdas -zip BIN -out result   zip each binary BIN/<function>
//	go run ./tools/buildlambdas -check result          verify the zips and print their sha256
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
	"strings"

	"github.com/payhook/payhook/internal/lambdabuild"
)

func main() {
	out := flag.String("out", "", "directory to write <function>.zip to")
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
	defer func() { _ = os.RemoveAll(bin) }() // a temporary directory
	if err := lambdabuild.Build(".", bin, "arm64"); err != nil {
		return err
	}
	return lambdabuild.ZipAll(bin, out)
}

// checkZips verifies every zip in dir and prints its sha256.
func checkZips(dir string, w io.Writer) error {
	zips, err := filepath.Glob(filepath.Join(dir, "*.zip"))
	if err != nil {
		return err
	}
	if len(zips) == 0 {
		return fmt.Errorf("no zips in %s", dir)
	}
	for _, path := range zips {
		name := strings.TrimSuffix(filepath.Base(path), ".zip")
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
