// Command payhook runs payhook on one machine and operates it anywhere.
// Each command is built in its own file (newXCommand); newRootCommand
// lists them.
package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/payhook/payhook/shared/config"
)

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "payhook",
		Short: "payment webhooks, verified, stored exactly once, processed",
		// With no command: the list of commands, and a usage exit.
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError("unknown command %q (payhook --help lists them)", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			_ = cmd.Usage() // to stdout, which cannot be reported elsewhere
			return errBareUsage
		},
		PersistentPreRunE: applySettings,
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.AddCommand(
		newDemoCommand(),
		newServeCommand(),
		newSendCommand(),
		newEventsCommand(),
		newPaymentsCommand(),
		newRedriveCommand(),
		newResendCommand(),
		newConsoleCommand(),
		newReconcileCommand(),
		newForwardCommand(),
		newAuditCommand(),
		newCheckCommand(),
		newBackupCommand(),
		newRestoreCommand(),
		newBenchCommand(),
		newSmokeCommand(),
		newVersionCommand(),
		newCompletionCommand(),
	)
	root.SetFlagErrorFunc(flagError)
	root.SetUsageTemplate(usageTemplate)
	root.SetHelpTemplate("{{.UsageString}}")
	return root
}

// usageTemplate is every command's --help: the synopsis first, then what
// it does, its commands or its flags.
const usageTemplate = `{{if .HasParent}}Usage: {{.Parent.CommandPath}} {{.Use}}

{{.Short}}
{{- with .Long}}

{{.}}
{{- end}}
{{- else}}payhook: {{.Short}}.

Usage: payhook <command> [arguments]
{{- end}}
{{- if .HasAvailableSubCommands}}

Commands:{{range .Commands}}{{if .IsAvailableCommand}}
  {{rpad .Name .NamePadding}} {{.Short}}{{end}}{{end}}
{{- end}}
{{- if and .HasParent .HasAvailableLocalFlags}}

Flags:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}
{{- end}}
{{- if and (not .HasParent) .HasAvailableSubCommands}}

Run "payhook <command> --help" for a command's flags.
{{- end}}
`

// errUsage marks a mistake in how payhook was called (exit 2); anything
// else is a failure while running (exit 1). errBareUsage is payhook with
// no command: the usage is printed already.
var (
	errUsage     = errors.New("usage")
	errBareUsage = fmt.Errorf("%w: no command", errUsage)
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cobra.EnableCommandSorting = false // the order of newRootCommand: the story's
	root := newRootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteC()
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errBareUsage):
		return 2
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "%s: %s\n", cmd.CommandPath(), strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
		return 2
	}
	fmt.Fprintf(stderr, "%s: %v\n", cmd.CommandPath(), err)
	return 1
}

func usageError(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

// wants says, for a flag's type, what a value must look like.
var wants = map[string]string{
	"duration": "a duration such as 15m",
	"int":      "a whole number",
	"int64":    "a whole number",
	"bool":     "true or false",
}

// wantsAnnotation annotates a flag with what it accepts, where its type
// alone does not say (accepts).
const wantsAnnotation = "payhook-wants"

// accepts records what flag name of fs accepts, for every message about
// a value it refuses: the parser's and the command's own.
func accepts(fs *pflag.FlagSet, name, what string) {
	_ = fs.SetAnnotation(name, wantsAnnotation, []string{what}) // defined just before: cannot fail
}

// wantOf is what f accepts: its own words, else its type's.
func wantOf(f *pflag.Flag) string {
	if want := f.Annotations[wantsAnnotation]; len(want) == 1 {
		return want[0]
	}
	return wants[f.Value.Type()]
}

// refused is the usage error for flag name of fs, whose value the command
// refuses: the flag, the value and what it accepts.
func refused(fs *pflag.FlagSet, name string) error {
	f := fs.Lookup(name)
	return usageError("%s: %s", flagValue(name, f.Value.String()), wantOf(f))
}

// flagValue is a flag as given: --name value, the value quoted when it
// would not read as one word.
func flagValue(name, value string) string {
	if value == "" || strings.ContainsAny(value, " \t\n\"'") {
		value = strconv.Quote(value)
	}
	return "--" + name + " " + value
}

// flagError puts the flag parser's errors in payhook's one style: the
// flag, then what it wants (--stuck: a duration such as 15m).
func flagError(cmd *cobra.Command, err error) error {
	var (
		invalid *pflag.InvalidValueError
		missing *pflag.ValueRequiredError
		unknown *pflag.NotExistError
	)
	switch {
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		if want := wantOf(f); want != "" {
			return usageError("%s: %s", flagValue(f.Name, invalid.GetValue()), want)
		}
		return usageError("%s: %v", flagValue(f.Name, invalid.GetValue()), errors.Unwrap(err)) // a flag that checks its own values says what it wants
	case errors.As(err, &missing):
		f := missing.GetFlag()
		return usageError("--%s: needs %s", f.Name, cmp.Or(wantOf(f), "a value"))
	case errors.As(err, &unknown):
		short := unknown.GetSpecifiedShortnames() // -data is read as -d -a -t -a
		switch {
		case len(short) > 1 && cmd.Flags().Lookup(short) != nil:
			return usageError("-%s: flags are spelled with two dashes: --%s", short, short)
		case short != "":
			return usageError("-%s: no such flag (%s --help lists them)", short, cmd.CommandPath())
		}
		return usageError("--%s: no such flag (%s --help lists them)", unknown.GetSpecifiedName(), cmd.CommandPath())
	}
	return usageError("%v", err)
}

// noArgs refuses positional arguments, for commands that take flags only.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError("unexpected argument %q", args[0])
	}
	return nil
}

// dataDirFlag is --data. Its default is PAYHOOK_DATA_DIR's, which
// applySettings reads.
func dataDirFlag(fs *pflag.FlagSet, usage string) *string {
	return fs.String("data", config.Default("PAYHOOK_DATA_DIR"), usage+" (env PAYHOOK_DATA_DIR)")
}

// applySettings gives --data and --addr, where a command has them and
// they were not given, the values PAYHOOK_DATA_DIR and PAYHOOK_ADDR set,
// read and checked in config like every setting. Either way the flag
// counts as given: the user chose.
func applySettings(cmd *cobra.Command, _ []string) error {
	flags := map[string]string{"data": "PAYHOOK_DATA_DIR", "addr": "PAYHOOK_ADDR"}
	var settings config.Local
	values := map[string]*string{"data": &settings.DataDir, "addr": &settings.Addr}
	loaded := false
	for name, setting := range flags {
		f := cmd.Flags().Lookup(name)
		if f == nil || f.Changed {
			continue
		}
		if !loaded {
			if err := config.Load(os.LookupEnv, &settings); err != nil {
				return err
			}
			loaded = true
		}
		if value := *values[name]; value != config.Default(setting) {
			if err := cmd.Flags().Set(name, value); err != nil {
				return err
			}
		}
	}
	return nil
}
