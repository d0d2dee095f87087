package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/payhook/payhook/shared/config"
	"github.com/payhook/payhook/shared/operate"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/reconcile"
)

func newReconcileCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "reconcile <provider> [--since 72h] [--until T] [--json] [--data DIR | --table NAME --region R]",
		Short: "store the events a provider's API lists that never arrived as webhooks",
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return reconcile.Reconcilable(), cobra.ShellCompDirectiveNoFileComp
		},
	}
	fs := cmd.Flags()
	since := fs.String("since", "72h", "the window's start: an age (72h) or an RFC 3339 time")
	until := fs.String("until", "", "the window's end: an age or an RFC 3339 time; now when empty")
	asJSON := fs.Bool("json", false, "print JSON")
	where := targetFlags(fs)
	cmd.RunE = func(cmd *cobra.Command, positional []string) error {
		stdout := cmd.OutOrStdout()
		if len(positional) != 1 {
			return usageError("name one provider to reconcile: %s", strings.Join(reconcile.Reconcilable(), ", "))
		}
		now := time.Now()
		from, err := pointInTime(*since, now)
		if err != nil {
			return usageError("%s: %v", flagValue("since", *since), err)
		}
		to := now
		if *until != "" {
			if to, err = pointInTime(*until, now); err != nil {
				return usageError("%s: %v", flagValue("until", *until), err)
			}
		}
		if !from.Before(to) {
			return usageError("--since: a time before --until")
		}
		ctx := context.Background()
		var report reconcile.Report
		err = where.with(ctx, func(op operate.Operator) error {
			if table, direct := op.(operate.Table); direct {
				if op, err = reconcilingTable(table); err != nil {
					return err
				}
			}
			report, err = op.Reconcile(ctx, positional[0], from, to)
			return err
		})
		if report.Provider == "" {
			return err
		}
		if *asJSON {
			if printErr := printJSON(stdout, report); printErr != nil {
				return printErr
			}
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PROVIDER\tSINCE\tUNTIL\tLISTED\tALREADY STORED\tRECOVERED\tFAILED")
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\n", report.Provider, report.Since.Local().Format(time.DateTime), report.Until.Local().Format(time.DateTime),
			report.Listed, report.AlreadyStored, report.Recovered, report.Failed)
		if flushErr := tw.Flush(); flushErr != nil {
			return flushErr
		}
		for _, id := range report.RecoveredIDs {
			fmt.Fprintf(stdout, "recovered: %s\n", printable(id))
		}
		if err == nil && report.Failed > 0 {
			err = fmt.Errorf("%d listed events could not be stored; the log says which", report.Failed)
		}
		return err
	}
	return cmd
}

// reconcilingTable lets a direct operator (no serve running, or a table on
// AWS) reconcile with the event API credentials of this shell's
// environment: the only keys it needs.
func reconcilingTable(t operate.Table) (operate.Table, error) {
	keys, err := registry.ParseAPIKeys(os.LookupEnv)
	if err != nil {
		return t, err
	}
	var cfg config.Receiver
	if err := config.Load(os.LookupEnv, &cfg); err != nil {
		return t, err
	}
	api := provider.APIConfig{HTTP: &http.Client{Timeout: 30 * time.Second}, Sandbox: cfg.PayPalSandbox}
	t.Reconciler = &reconcile.Reconciler{
		Store:     t.Store,
		Retention: func(p string) time.Duration { return registry.Retention(cfg.Retention, p) },
		Log:       zerolog.New(os.Stderr).With().Timestamp().Logger(),
	}
	t.Sources = func(name string) (reconcile.Source, error) {
		source, err := reconcile.SourceFor(name, keys, api)
		if errors.As(err, new(reconcile.MissingCredentials)) {
			err = fmt.Errorf("%w in this shell's environment, whose keys reconcile uses with --table or when no payhook serve runs on the data directory", err)
		}
		return source, err
	}
	return t, nil
}

// pointInTime reads an age before now (72h) or an RFC 3339 time.
func pointInTime(s string, now time.Time) (time.Time, error) {
	if age, err := time.ParseDuration(s); err == nil {
		if age < 0 {
			return time.Time{}, fmt.Errorf("an age must not be negative: %s", s)
		}
		return now.Add(-age), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if seconds, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(seconds, 0), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an age (72h) nor an RFC 3339 time", s)
}
