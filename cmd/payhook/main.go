// Command payhook runs payhook on one machine and operates it anywhere;
// usage below lists the commands, commands maps each to its function.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

const usage = `payhook: payment webhooks, verified, stored exactly once, processed.

Usage: payhook <command> [arguments]

Commands:
  demo       run a scripted story through the whole pipeline, then report
  serve      run the receiver, processor and auditor on this machine
  send       sign and send a realistic webhook, as a provider would
  events     list stored webhooks
  payments   list payment states
  redrive    send failed (or stuck) webhooks through the processor again
  reconcile  store the events a provider's API lists that never arrived as webhooks
  forward    show where forwarding payment events to your app stands
  audit      verify an audit trail (nothing missing, reordered or edited), or cut it back to its checkpoint
  check      read the whole store and where the audit trail stands against it
  backup     copy the store and its audit trail, consistent, while serve runs
  restore    put a backup in place
  bench      load a running payhook with signed webhooks, then check none was lost
  smoke      prove a deployment (or serve) works: one signed delivery per provider, processed, removed

Run "payhook <command> --help" for a command's flags.
`

// commands maps each name to its function, which gets the arguments after
// the name and the writers to print to.
var commands = map[string]func(args []string, stdout, stderr io.Writer) error{
	"demo":      demo,
	"serve":     serve,
	"send":      send,
	"events":    events,
	"payments":  payments,
	"redrive":   redrive,
	"reconcile": reconcileCommand,
	"forward":   forwardCommand,
	"audit":     auditCommand,
	"check":     checkCommand,
	"backup":    backupCommand,
	"restore":   restoreCommand,
	"bench":     bench,
	"smoke":     smokeTest,
}

// errUsage marks a mistake in how payhook was called (exit 2); anything
// else is a failure while running (exit 1).
var errUsage = errors.New("usage")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	command, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "payhook: unknown command %q (payhook --help lists them)\n", args[0])
		return 2
	}
	err := command(args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "payhook %s: %s\n", args[0], strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
		return 2
	}
	fmt.Fprintf(stderr, "payhook %s: %v\n", args[0], err)
	return 1
}

// flags is a command's flag set. Errors are returned as one line, never
// with the usage; --help prints the usage.
type flags struct {
	*flag.FlagSet
	synopsis string
	stdout   io.Writer
}

func newFlags(name, synopsis string, stdout io.Writer) flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return flags{FlagSet: fs, synopsis: synopsis, stdout: stdout}
}

func (fs flags) printUsage() {
	fmt.Fprintf(fs.stdout, "Usage: payhook %s\n\nFlags:\n", fs.synopsis)
	fs.SetOutput(fs.stdout)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// parse reads flags wherever they stand among the arguments, and returns
// the positional ones.
func parse(fs flags, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.printUsage()
				return nil, err
			}
			return nil, fmt.Errorf("%w: %w", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional, args = append(positional, args[0]), args[1:]
	}
}

// parseFlagsOnly parses a command that takes no positional arguments.
func parseFlagsOnly(fs flags, args []string) error {
	positional, err := parse(fs, args)
	if err == nil && len(positional) > 0 {
		err = usageError("unexpected argument %q", positional[0])
	}
	return err
}

func usageError(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

// envOr is the value of an environment variable, or fallback.
func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
