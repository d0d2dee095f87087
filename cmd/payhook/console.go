package main

import (
	"context"
	"fmt"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/payhook/payhook/shared/console"
	"github.com/payhook/payhook/shared/local"
)

func newConsoleCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "console [--data DIR | --table NAME --region R] [--listen 127.0.0.1:PORT]",
		Short: "the web console: a login link to serve's, or a console of its own on loopback (AWS, or a stopped serve's data)",
		Long: "With serve running on the data directory, prints a new one-time login link to serve's console.\n" +
			"Otherwise serves the same console itself, on loopback, until Ctrl-C: over the data directory's store,\n" +
			"or with --table over an AWS deployment, with your own AWS credentials (nothing new is exposed on AWS).",
		Args: noArgs,
	}
	fs := cmd.Flags()
	listen := fs.String("listen", "127.0.0.1:0", "loopback address to serve the console on when no serve runs (port 0: a free one)")
	where := targetFlags(fs)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		stdout := cmd.OutOrStdout()
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		aws := *where.table != ""
		if !aws {
			if info, ok := local.RunningServe(*where.dataDir); ok {
				link, err := local.ConsoleLogin(ctx, info)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "console: %s (serve's console; this link logs in once)\n", link)
				return nil
			}
		}
		op, release, err := where.open(ctx)
		if err != nil {
			return err
		}
		defer func() { _ = release() }() // the store's file, read and written through the operator
		cfg := console.Config{Operator: op, Where: "data directory " + *where.dataDir, Log: newLogger(cmd.ErrOrStderr(), "info")}
		if aws {
			cfg.Where = "table " + *where.table + " on AWS"
		}
		server, err := console.Listen(*listen, cfg)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "console: %s (this link logs in once; Ctrl-C stops the console)\n", server.LoginURL)
		if !aws {
			fmt.Fprintf(stdout, "serve is not running on %s: the console reads and changes its store directly, and a redriven webhook waits for the next serve\n", *where.dataDir)
		}
		return server.Serve(ctx)
	}
	return cmd
}
